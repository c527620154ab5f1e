import { TRPCError } from '@trpc/server';
import { clusterProcedure, type Meta } from '../../trpc.ts';
import { nodeOut } from '../cluster/rows.ts';
import { platformClusterInput, platformClusterOutput } from './cluster.schema.ts';
import { platformClusterOut } from './rows.ts';

export const meta = {
  summary:
    'A cluster as the platform page shows it: type, node count, the tasks running on its servers, its nodes',
  http: { method: 'GET' },
  input: platformClusterInput,
  output: platformClusterOutput,
} satisfies Meta;

export const procedure = clusterProcedure('view', platformClusterInput)
  .meta(meta)
  .output(platformClusterOutput)
  .query(async ({ ctx }) => {
    const row = await ctx.db.cluster.findUnique({
      where: { id: ctx.cluster.id },
      include: { nodes: { orderBy: { ordinal: 'asc' } } },
    });
    if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: 'Cluster not found' });
    const running = await ctx.runningTasks.count([row]);
    return {
      ...platformClusterOut(row, row.nodes.length, running.get(row.id) ?? null),
      nodes: row.nodes.map(nodeOut),
    };
  });
