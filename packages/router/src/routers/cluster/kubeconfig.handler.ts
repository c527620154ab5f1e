import { kubeconfigContext } from '@flotilla/secrets';
import { TRPCError } from '@trpc/server';
import { conflict } from '../../errors.ts';
import { clusterProcedure, type Meta } from '../../trpc.ts';
import { kubeconfigInput, kubeconfigOutput } from './kubeconfig.schema.ts';

export const meta = {
  summary: 'The admin kubeconfig of a Kubernetes cluster (manage permission; audited)',
  http: { method: 'GET' },
  audit: true,
  input: kubeconfigInput,
  output: kubeconfigOutput,
} satisfies Meta;

export const procedure = clusterProcedure('manage', kubeconfigInput)
  .meta(meta)
  .output(kubeconfigOutput)
  .query(async ({ ctx }) => {
    const { cluster } = ctx;
    Object.assign(ctx.audit, { targetType: 'kubeconfig', targetId: cluster.id });
    if (cluster.orchestrator !== 'kubernetes') {
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: 'Only Kubernetes clusters have a kubeconfig',
      });
    }
    const row = await ctx.db.cluster.findUniqueOrThrow({
      where: { id: cluster.id },
      select: { kubeconfigEncrypted: true, status: true },
    });
    if (!row.kubeconfigEncrypted) {
      throw conflict(`The kubeconfig is not ready yet (cluster is ${row.status})`);
    }
    return {
      kubeconfig: ctx.sealer.open(row.kubeconfigEncrypted, kubeconfigContext(cluster.id)),
    };
  });
