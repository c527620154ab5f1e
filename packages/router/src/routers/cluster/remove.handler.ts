import { transitionCluster } from '@flotilla/lifecycle';
import { writeOutboxJob } from '@flotilla/queue';
import { clusterProcedure, type Meta } from '../../trpc.ts';
import { clusterRemoveInput, clusterRemoveOutput } from './remove.schema.ts';

export const meta = {
  summary:
    'Destroy a cluster: every machine it created, then the cluster (an adopted cluster is forgotten, its servers left running, unless `teardown`)',
  http: { method: 'DELETE', status: 204 },
  input: clusterRemoveInput,
  output: clusterRemoveOutput,
} satisfies Meta;

export const procedure = clusterProcedure('manage', clusterRemoveInput)
  .meta(meta)
  .output(clusterRemoveOutput)
  .mutation(async ({ ctx, input }) => {
    const { cluster } = ctx;
    Object.assign(ctx.audit, { targetType: 'cluster', targetId: cluster.id });
    // Issue 18: what Flotilla did not create it does not tear down unless asked to.
    const row = await ctx.db.cluster.findUnique({
      where: { id: cluster.id },
      select: { adopted: true },
    });
    if (row?.adopted && !input.teardown) {
      await ctx.db.cluster.deleteMany({ where: { id: cluster.id } });
      ctx.audit.details = `Forgot adopted cluster ${cluster.name}; its servers were left running`;
      return;
    }
    await ctx.db.$transaction(async (tx) => {
      const moved = await transitionCluster(
        tx,
        cluster.id,
        'deleting',
        `deletion requested by ${ctx.principal.email}`,
      );
      // Asking twice is harmless; the second request enqueues nothing new.
      if (moved.changed) await writeOutboxJob(tx, 'deleteCluster', { clusterId: cluster.id });
    });
    ctx.onOutboxWritten();
  });
