import type { Meta } from '../../trpc.ts';
import { appProcedure } from './access.ts';
import { appAuditInput, appAuditOutput } from './audit.schema.ts';
import { peopleOf } from './rows.ts';

export const meta = {
  summary: 'Everything done to the app, newest first: action, who, details, outcome',
  http: { method: 'GET' },
  input: appAuditInput,
  output: appAuditOutput,
} satisfies Meta;

function detailsOf(metadata: unknown): string | null {
  if (metadata && typeof metadata === 'object' && 'details' in metadata) {
    const { details } = metadata as { details: unknown };
    if (typeof details === 'string') return details;
  }
  return null;
}

export const procedure = appProcedure('view', appAuditInput)
  .meta(meta)
  .output(appAuditOutput)
  .query(async ({ ctx, input }) => {
    const rows = await ctx.db.auditLog.findMany({
      where: {
        targetType: 'app',
        targetId: ctx.app.id,
        ...(input.before ? { id: { lt: BigInt(input.before) } } : {}),
      },
      orderBy: { id: 'desc' },
      take: input.limit,
    });
    const people = await peopleOf(
      ctx.db,
      rows.map((row) => row.actorId),
    );
    return rows.map((row) => {
      const actor = row.actorId ? people.get(row.actorId) : undefined;
      return {
        id: row.id.toString(),
        action: row.action.replace(/^app\./, ''),
        user: actor?.name ?? null,
        userId: row.actorId,
        details:
          detailsOf(row.metadata) ??
          (row.outcome === 'success'
            ? null
            : `${row.outcome}${row.errorCode ? ` (${row.errorCode})` : ''}`),
        outcome: row.outcome,
        createdAt: row.createdAt.toISOString(),
      };
    });
  });
