import type { Prisma } from '@flotilla/db';
import { toIso } from '../../tokens.ts';
import { type Meta, organizationProcedure } from '../../trpc.ts';
import { auditListInput, auditListOutput } from './list.schema.ts';

export const meta = {
  summary: "The organization's audit log, newest first (owners and admins)",
  http: { method: 'GET' },
  input: auditListInput,
  output: auditListOutput,
} satisfies Meta;

export const procedure = organizationProcedure('admin', auditListInput)
  .meta(meta)
  .output(auditListOutput)
  .query(async ({ ctx, input }) => {
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
  });
