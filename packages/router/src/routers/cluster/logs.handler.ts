import { clusterProcedure, type Meta } from '../../trpc.ts';
import { logsInput, logsOutput } from './logs.schema.ts';

export const meta = {
  summary: 'Provisioning log lines, oldest first, paged by cursor',
  http: { method: 'GET' },
  input: logsInput,
  output: logsOutput,
} satisfies Meta;

export const procedure = clusterProcedure('view', logsInput)
  .meta(meta)
  .output(logsOutput)
  .query(async ({ ctx, input }) => {
    const rows = await ctx.db.provisioningLog.findMany({
      where: {
        clusterId: ctx.cluster.id,
        ...(input.nodeId ? { nodeId: input.nodeId } : {}),
        ...(input.cursor !== undefined ? { id: { gt: BigInt(input.cursor) } } : {}),
      },
      orderBy: { id: 'asc' },
      take: input.limit + 1,
    });
    const page = rows.slice(0, input.limit);
    return {
      items: page.map((row) => ({
        id: row.id.toString(),
        nodeId: row.nodeId,
        step: row.step,
        level: row.level,
        message: row.message,
        workerNode: row.workerNode,
        createdAt: row.createdAt.toISOString(),
      })),
      nextCursor: rows.length > input.limit ? (page.at(-1)?.id.toString() ?? null) : null,
    };
  });
