import { newId } from '@flotilla/db';
import { writeOutboxJob } from '@flotilla/queue';
import { fieldError } from '../../errors.ts';
import { idempotent } from '../../idempotency.ts';
import { checkHosts } from '../../network.ts';
import { nodeQuota, reserveQuota } from '../../quota.ts';
import { clusterProcedure, type Meta } from '../../trpc.ts';
import { addNodeInput, addNodeOutput } from './addNode.schema.ts';
import { lockedLiveNodes, nodeOut } from './rows.ts';
import { maxNodesPerCluster } from './schema.ts';
import { managerRule } from './topology.ts';

export const meta = {
  summary: 'Add a node; it is provisioned and joins the cluster by itself',
  http: { method: 'POST', status: 201, idempotent: true },
  input: addNodeInput,
  output: addNodeOutput,
} satisfies Meta;

export const procedure = clusterProcedure('manage', addNodeInput)
  .meta(meta)
  .output(addNodeOutput)
  .mutation(async ({ ctx, input }) => {
    const { cluster } = ctx;
    ctx.audit.targetType = 'node';
    if (cluster.provider === 'ssh') {
      if (!input.host) throw fieldError('host', 'required for a cluster of your own servers');
      if (input.plan) throw fieldError('plan', 'not used for your own servers (give host)');
    } else {
      if (!input.plan) throw fieldError('plan', 'required (nano, micro, small, medium, power)');
      if (input.host) throw fieldError('host', `not used for ${cluster.provider} clusters`);
    }
    if (input.host) await checkHosts(ctx, [{ host: input.host, field: 'host' }]);
    const created = await idempotent(ctx, 'cluster.addNode', input, async (tx) => {
      await reserveQuota(
        tx,
        ctx.quotaDefaults,
        cluster.organizationId,
        nodeQuota(cluster.provider),
        1,
      );
      const { all, live } = await lockedLiveNodes(tx, cluster.id);
      if (live.length + 1 > maxNodesPerCluster) {
        throw fieldError(
          'clusterId',
          `the cluster already has ${live.length} nodes (at most ${maxNodesPerCluster})`,
        );
      }
      if (input.role === 'manager') {
        const rule = managerRule(
          cluster.orchestrator,
          live.filter((n) => n.role === 'manager').length + 1,
        );
        if (rule) throw fieldError('role', `adding one manager is refused: ${rule}`);
      }
      const ordinal = Math.max(0, ...all.map((n) => n.ordinal)) + 1;
      const row = await tx.node.create({
        data: {
          id: newId('node'),
          clusterId: cluster.id,
          name: `${cluster.name}-${ordinal}`,
          ordinal,
          role: input.role,
          plan: input.plan ?? null,
          status: 'provisioning',
          statusReason: 'node requested',
          ...(input.host
            ? { address: input.host, sshPort: input.port ?? 22, sshUser: input.user ?? 'root' }
            : {}),
        },
      });
      await tx.statusTransition.create({
        data: {
          clusterId: cluster.id,
          nodeId: row.id,
          toStatus: 'provisioning',
          reason: 'node requested',
        },
      });
      await writeOutboxJob(tx, 'provisionNode', { clusterId: cluster.id, nodeId: row.id });
      return nodeOut(row);
    });
    ctx.audit.targetId = created.id;
    ctx.onOutboxWritten();
    return created;
  });
