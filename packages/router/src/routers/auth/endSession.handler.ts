import { TRPCError } from '@trpc/server';
import { authedProcedure, type Meta } from '../../trpc.ts';
import { endSessionInput, endSessionOutput } from './sessions.schema.ts';

export const meta = {
  summary: 'End one of your dashboard sessions (signed out everywhere at once)',
  http: { method: 'DELETE', status: 204 },
  input: endSessionInput,
  output: endSessionOutput,
} satisfies Meta;

export const procedure = authedProcedure
  .meta(meta)
  .input(endSessionInput)
  .output(endSessionOutput)
  .mutation(async ({ ctx, input }) => {
    Object.assign(ctx.audit, { targetType: 'token', targetId: input.sessionId });
    const ended = await ctx.db.apiToken.updateMany({
      where: {
        id: input.sessionId,
        userId: ctx.principal.userId,
        kind: 'session',
        revokedAt: null,
      },
      data: { revokedAt: new Date() },
    });
    if (ended.count === 0) throw new TRPCError({ code: 'NOT_FOUND', message: 'Session not found' });
    await ctx.sessions.revoked([input.sessionId]);
  });
