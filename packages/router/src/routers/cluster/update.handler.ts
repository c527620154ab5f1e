import { isUniqueViolation } from '@flotilla/db';
import { conflict } from '../../errors.ts';
import { clusterProcedure, type Meta } from '../../trpc.ts';
import { clusterDetailOf } from './rows.ts';
import { clusterUpdateInput, clusterUpdateOutput } from './update.schema.ts';

export const meta = {
  summary: 'Rename a cluster',
  http: { method: 'PATCH' },
  input: clusterUpdateInput,
  output: clusterUpdateOutput,
} satisfies Meta;

export const procedure = clusterProcedure('manage', clusterUpdateInput)
  .meta(meta)
  .output(clusterUpdateOutput)
  .mutation(async ({ ctx, input }) => {
    const { cluster } = ctx;
    Object.assign(ctx.audit, { targetType: 'cluster', targetId: cluster.id });
    if (cluster.status === 'deleting') throw conflict('The cluster is being deleted');
    try {
      await ctx.db.cluster.update({ where: { id: cluster.id }, data: { name: input.name } });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw conflict(`A cluster named "${input.name}" exists in this organization`);
      }
      throw error;
    }
    return clusterDetailOf(ctx.db, cluster.id);
  });
