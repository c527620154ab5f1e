import type { Prisma } from '@flotilla/db';
import { requireOrgAdmin } from '../access.ts';
import { auditListInput, auditListOutput } from '../schemas/index.ts';
import { toIso } from '../tokens.ts';
import { authedProcedure, router } from '../trpc.ts';

export const auditRouter = router({
  list: authedProcedure
    .meta({
      http: { method: 'GET' },
      summary: "The organization's audit log, newest first (owners and admins)",
    })
    .input(auditListInput)
    .output(auditListOutput)
    .query(async ({ ctx, input }) => {
      await requireOrgAdmin(ctx, input.organizationId);
      const where: Prisma.AuditLogWhereInput = {
        organizationId: input.organizationId,
        ...(input.clusterId ? { clusterId: input.clusterId } : {}),
        ...(input.actorId ? { actorId: input.actorId } : {}),
        ...(input.action ? { action: input.action } : {}),
        ...(input.cursor ? { id: { lt: BigInt(input.cursor) } } : {}),
      };
      const rows = await ctx.db.auditLog.findMany({
        where,
        orderBy: { id: 'desc' },
        take: input.limit + 1,
      });
      const page = rows.slice(0, input.limit);
      return {
        items: page.map((row) => ({
          id: row.id.toString(),
          action: row.action,
          outcome: row.outcome,
          errorCode: row.errorCode,
          actorId: row.actorId,
          organizationId: row.organizationId,
          clusterId: row.clusterId,
          targetType: row.targetType,
          targetId: row.targetId,
          requestId: row.requestId,
          ip: row.ip,
          createdAt: toIso(row.createdAt),
        })),
        nextCursor: rows.length > input.limit ? (page.at(-1)?.id.toString() ?? null) : null,
      };
    }),
});
