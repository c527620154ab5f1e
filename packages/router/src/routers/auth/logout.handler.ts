import { authedProcedure, type Meta } from '../../trpc.ts';
import { logoutOutput } from './logout.schema.ts';

export const meta = {
  summary: 'Revoke the token this request was made with',
  http: { method: 'POST' },
  output: logoutOutput,
} satisfies Meta;

export const procedure = authedProcedure
  .meta(meta)
  .output(logoutOutput)
  .mutation(async ({ ctx }) => {
    await ctx.db.apiToken.update({
      where: { id: ctx.principal.tokenId },
      data: { revokedAt: new Date() },
    });
    await ctx.sessions.revoked([ctx.principal.tokenId]);
    return { revoked: true };
  });
