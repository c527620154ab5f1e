import { TRPCError } from '@trpc/server';
import { issueSession } from '../../tokens.ts';
import { authedProcedure, type Meta } from '../../trpc.ts';
import { refreshOutput } from './refresh.schema.ts';
import { sessionOut, userOut } from './sessions.ts';

export const meta = {
  summary: 'Replace this session token with a new one (the old one stops working at once)',
  http: { method: 'POST' },
  output: refreshOutput,
} satisfies Meta;

// A refresh rotates the secret, it does not lengthen the session: the new token ends when the
// sign-in it continues would have (FLOTILLA_SESSION_MAX_AGE), so a stolen token cannot be kept
// alive forever by refreshing it.
export const procedure = authedProcedure
  .meta(meta)
  .output(refreshOutput)
  .mutation(async ({ ctx }) => {
    const { principal } = ctx;
    if (principal.tokenKind !== 'session') {
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: 'Only dashboard sessions are refreshed; an API token keeps its own expiry',
      });
    }
    const session = await ctx.db.$transaction(async (tx) => {
      const current = await tx.apiToken.findUniqueOrThrow({ where: { id: principal.tokenId } });
      // Two refreshes of the same token at once: one wins, the other's token is already gone.
      const ended = await tx.apiToken.updateMany({
        where: { id: current.id, revokedAt: null },
        data: { revokedAt: new Date() },
      });
      if (ended.count !== 1) {
        throw new TRPCError({ code: 'UNAUTHORIZED', message: 'This session has ended' });
      }
      return issueSession(tx, ctx, principal.userId, current.createdAt);
    });
    await ctx.sessions.revoked([principal.tokenId]);
    ctx.audit.targetType = 'token';
    ctx.audit.targetId = session.row.id;
    const user = await ctx.db.user.findUniqueOrThrow({ where: { id: principal.userId } });
    return { ...sessionOut(session), user: userOut(user) };
  });
