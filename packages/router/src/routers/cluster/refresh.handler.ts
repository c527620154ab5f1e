import { newId } from '@flotilla/db';
import { errorMessage, FlotillaError } from '@flotilla/errors';
import { clusterStatusFromNodes, transitionCluster, transitionNode } from '@flotilla/lifecycle';
import { nodeQuota, reserveQuota } from '../../quota.ts';
import { clusterProcedure, type Meta } from '../../trpc.ts';
import { readCluster } from './adoption.ts';
import { clusterRefreshInput, clusterRefreshOutput } from './refresh.schema.ts';
import { clusterDetailOf } from './rows.ts';

export const meta = {
  summary:
    "Read the cluster's nodes and versions from a manager now and record them (an adopted cluster also gains the nodes that joined it and forgets those that left)",
  http: { method: 'POST' },
  input: clusterRefreshInput,
  output: clusterRefreshOutput,
} satisfies Meta;

/** Statuses a refresh judges from what the managers say; others belong to running jobs. */
const judged = new Set(['running', 'degraded', 'error']);

export const procedure = clusterProcedure('manage', clusterRefreshInput)
  .meta(meta)
  .output(clusterRefreshOutput)
  .mutation(async ({ ctx }) => {
    const { cluster } = ctx;
    const reading = await readCluster(ctx.db, ctx.sealer, cluster);
    // The cluster cannot be read as it is now: a conflict with its state, not a fault of the API
    // (cluster.test answers the same reasons without failing).
    if (!reading.reached) {
      throw new FlotillaError(
        'conflict',
        `No manager of "${cluster.name}" answers, so nothing could be refreshed: ${reading.reasons.join('; ')}`,
      );
    }
    // A server that answers SSH but is no manager (it left the swarm, by hand or by a removal
    // racing this refresh) is the cluster's state too, as cluster.test reports it.
    if ('error' in reading) {
      throw new FlotillaError(
        'conflict',
        `${reading.reached.node.name} of "${cluster.name}" answered SSH but not as a manager, so nothing could be refreshed: ${errorMessage(reading.error)}`,
      );
    }
    const { discovery } = reading;
    const changes: string[] = [];
    await ctx.db.$transaction(async (tx) => {
      const row = await tx.cluster.findUniqueOrThrow({
        where: { id: cluster.id },
        select: { adopted: true, status: true, orchestratorVersion: true },
      });
      if (row.orchestratorVersion !== discovery.version) {
        changes.push(
          `orchestrator version ${row.orchestratorVersion ?? 'unknown'} → ${discovery.version}`,
        );
        await tx.cluster.update({
          where: { id: cluster.id },
          data: { orchestratorVersion: discovery.version },
        });
      }
      const nodes = await tx.node.findMany({
        where: { clusterId: cluster.id },
        orderBy: { ordinal: 'asc' },
      });
      const listed = new Map(discovery.nodes.map((n) => [n.orchestratorNodeId, n]));
      for (const node of nodes) {
        const seen = node.orchestratorNodeId ? listed.get(node.orchestratorNodeId) : undefined;
        if (!seen) {
          // Servers of an adopted cluster that left it by hand are forgotten; Flotilla's own
          // nodes are the health check's and removeNode's to judge.
          if (row.adopted && node.orchestratorNodeId) {
            await tx.node.delete({ where: { id: node.id } });
            changes.push(`${node.name} is no longer in the cluster: forgotten`);
          }
          continue;
        }
        if (seen.version !== node.version) {
          await tx.node.update({ where: { id: node.id }, data: { version: seen.version } });
          if (node.version) changes.push(`${node.name}: version ${node.version} → ${seen.version}`);
        }
        if (node.status === 'running' || node.status === 'down') {
          const to = seen.ready ? 'running' : 'down';
          const moved = await transitionNode(
            tx,
            node.id,
            to,
            seen.ready ? 'reported Ready by the managers' : `the managers report it ${seen.state}`,
          );
          if (moved.changed) changes.push(`${node.name}: ${moved.from} → ${moved.to}`);
        }
      }
      if (row.adopted) {
        const known = new Set(nodes.map((n) => n.orchestratorNodeId));
        const joined = discovery.nodes.filter((n) => !known.has(n.orchestratorNodeId));
        if (joined.length > 0) {
          await reserveQuota(
            tx,
            ctx.quotaDefaults,
            cluster.organizationId,
            nodeQuota('ssh'),
            joined.length,
          );
          const names = new Set(nodes.map((n) => n.name));
          let ordinal = Math.max(0, ...nodes.map((n) => n.ordinal));
          for (const node of joined) {
            let name = node.hostname.slice(0, 60);
            for (let i = 2; names.has(name); i++) name = `${node.hostname.slice(0, 56)}-${i}`;
            names.add(name);
            await tx.node.create({
              data: {
                id: newId('node'),
                clusterId: cluster.id,
                name,
                role: node.role,
                ordinal: ++ordinal,
                status: node.ready ? 'running' : 'down',
                statusReason: node.ready
                  ? 'joined; reported Ready by the managers'
                  : `joined; ${node.state}`,
                orchestratorNodeId: node.orchestratorNodeId,
                version: node.version,
                address: node.address,
                sshUser: nodes[0]?.sshUser ?? 'root',
                lastStep: 'adopted',
              },
            });
            changes.push(`${name} joined the cluster (${node.role})`);
          }
        }
      }
      if (judged.has(row.status)) {
        const now = await tx.node.findMany({
          where: { clusterId: cluster.id },
          select: { role: true, status: true, name: true },
        });
        const to = now.length ? clusterStatusFromNodes(now) : 'error';
        if (to !== row.status) {
          const down = now.filter((n) => n.status !== 'running').map((n) => n.name);
          const moved = await transitionCluster(
            tx,
            cluster.id,
            to,
            to === 'running'
              ? 'every node ready (refresh)'
              : `not running: ${down.join(', ')} (refresh)`,
            to === 'error' ? 'noManagerRunning' : undefined,
          );
          if (moved.changed) changes.push(`cluster: ${moved.from} → ${moved.to}`);
        }
      }
    });
    Object.assign(ctx.audit, {
      targetType: 'cluster',
      targetId: cluster.id,
      details: changes.length ? `Refreshed: ${changes.join('; ')}` : 'Refreshed: nothing changed',
    });
    return { ...(await clusterDetailOf(ctx.db, cluster.id)), changes };
  });
