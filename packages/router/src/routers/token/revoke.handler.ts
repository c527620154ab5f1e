import { TRPCError } from '@trpc/server';
import { authedProcedure, type Meta } from '../../trpc.ts';
import { tokenRevokeInput, tokenRevokeOutput } from './revoke.schema.ts';

export const meta = {
  summary: 'Revoke one of your tokens',
  http: { method: 'DELETE', status: 204 },
  input: tokenRevokeInput,
  output: tokenRevokeOutput,
} satisfies Meta;

export const procedure = authedProcedure
  .meta(meta)
  .input(tokenRevokeInput)
  .output(tokenRevokeOutput)
  .mutation(async ({ ctx, input }) => {
    Object.assign(ctx.audit, { targetType: 'token', targetId: input.tokenId });
    const revoked = await ctx.db.apiToken.updateMany({
      where: { id: input.tokenId, userId: ctx.principal.userId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    if (revoked.count === 0) throw new TRPCError({ code: 'NOT_FOUND', message: 'Token not found' });
    await ctx.sessions.revoked([input.tokenId]);
  });
