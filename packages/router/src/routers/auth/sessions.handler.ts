import { tokenDeadline } from '../../session.ts';
import { authedProcedure, type Meta } from '../../trpc.ts';
import { authSessionsOutput } from './sessions.schema.ts';

export const meta = {
  summary: "The caller's dashboard sessions that have not ended (end one with auth.endSession)",
  http: { method: 'GET' },
  output: authSessionsOutput,
} satisfies Meta;

export const procedure = authedProcedure
  .meta(meta)
  .output(authSessionsOutput)
  .query(async ({ ctx }) => {
    const now = Date.now();
    const rows = await ctx.db.apiToken.findMany({
      where: {
        userId: ctx.principal.userId,
        kind: 'session',
        revokedAt: null,
        expiresAt: { gt: new Date(now) },
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      // Sessions end within FLOTILLA_SESSION_MAX_AGE; more than this many live at once would be
      // a script logging in in a loop, and the newest are the ones to see.
      take: 200,
    });
    const items = rows.flatMap((row) => {
      const idleEnd = tokenDeadline(row, ctx.sessionLifetimes);
      if (idleEnd <= now || !row.expiresAt) return [];
      return [
        {
          id: row.id,
          current: row.id === ctx.principal.tokenId,
          signedInAt: row.createdAt.toISOString(),
          lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
          ip: row.ip,
          userAgent: row.userAgent,
          expiresAt: new Date(
            Math.min(
              row.expiresAt.getTime(),
              row.createdAt.getTime() + ctx.sessionLifetimes.maxAgeMs,
            ),
          ).toISOString(),
          idleExpiresAt: new Date(idleEnd).toISOString(),
        },
      ];
    });
    return { items };
  });
