import { clusterProcedure, type Meta } from '../../trpc.ts';
import { clusterSetDefaultInput, clusterSetDefaultOutput } from './setDefault.schema.ts';

export const meta = {
  summary:
    "Make the cluster its organization's default (apps created without a clusterId go there)",
  http: { method: 'POST' },
  input: clusterSetDefaultInput,
  output: clusterSetDefaultOutput,
} satisfies Meta;

// The organization's owners and admins decide where everyone's apps land by default.
export const procedure = clusterProcedure('admin', clusterSetDefaultInput)
  .meta(meta)
  .output(clusterSetDefaultOutput)
  .mutation(async ({ ctx }) => {
    const { organizationId, id, name } = ctx.cluster;
    await ctx.db.organization.update({
      where: { id: organizationId },
      data: { defaultClusterId: id },
    });
    Object.assign(ctx.audit, {
      targetType: 'cluster',
      targetId: id,
      details: `Default cluster: ${name}`,
    });
    return { organizationId, defaultClusterId: id };
  });
