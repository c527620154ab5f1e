// deleteCluster: in-flight provisioning is stopped first (queued jobs removed, running ones
// waited for: each checks the cluster before every step), then every node's server is cleaned
// in parallel, then the cluster row goes (its nodes, logs and transitions with it).
import type { Node } from '@flotilla/db';
import { errorMessage } from '@flotilla/errors';
import { appendLog, transitionCluster } from '@flotilla/lifecycle';
import { type JobData, jobIdFor } from '@flotilla/queue';
import type { SshSession } from '@flotilla/ssh';
import { type ClusterRecord, loadCluster } from '../cluster-record.ts';
import type { Attempt, Engine } from '../engine.ts';
import { HostKeyChangedError } from '../errors.ts';
import { failCluster } from '../failures.ts';
import { driverFor } from '../orchestrators/index.ts';
import { stopJobs } from '../quiesce.ts';
import { cloudClientFor, destroyNodeServer, isCloud } from '../servers/cloud.ts';
import { clusterKeyName } from '../servers/cluster-key.ts';
import { connectNode } from '../servers/connect.ts';
import { serverTarget } from '../servers/obtain.ts';
import { step } from '../step.ts';

export async function deleteCluster(
  engine: Engine,
  { clusterId }: JobData<'deleteCluster'>,
  attempt: Attempt,
): Promise<void> {
  const cluster = await loadCluster(engine, clusterId);
  if (!cluster) return;
  if (cluster.status !== 'deleting') {
    await transitionCluster(engine.db, clusterId, 'deleting', 'deletion requested');
  }
  const scope = { clusterId, teardown: true };
  await step(
    engine,
    scope,
    'cluster.quiesce',
    () => stopProvisioning(engine, cluster),
    (n) => (n === 0 ? 'no provisioning in flight' : `stopped ${n} provisioning job(s)`),
  );
  const results = await Promise.allSettled(
    cluster.nodes.map((n) => cleanNode(engine, cluster, n, attempt)),
  );
  const failed = cluster.nodes.filter((_, i) => results[i]?.status === 'rejected');
  if (failed.length > 0) {
    const reasons = failed
      .map((n, i) => `${n.name}: ${errorMessage((results[i] as PromiseRejectedResult).reason)}`)
      .join('; ');
    if (attempt.final) {
      await failCluster(
        engine,
        clusterId,
        `deletion could not clean every server (${reasons}); remove the cluster again to retry`,
        'removalFailed',
      );
    }
    throw new Error(`could not clean ${failed.length} server(s): ${reasons}`);
  }
  if (isCloud(cluster.provider)) {
    const client = await cloudClientFor(engine, cluster);
    await step(
      engine,
      scope,
      'cluster.resources',
      async () => {
        // Machines of nodes removed meanwhile, or created by a job that died before recording them.
        const left = await client.findServers({ clusterId });
        for (const server of left) await client.deleteServer(server.id);
        await client.removeClusterResources(clusterId);
        return left.length;
      },
      (n) => `${n} leftover machine(s) deleted; per-cluster provider resources removed`,
    );
  }
  await engine.db.$transaction(async (tx) => {
    await tx.cluster.deleteMany({ where: { id: clusterId } });
    // The key the worker made for a cloud cluster goes with it; a key the user chose stays.
    if (cluster.sshKeyId) {
      await tx.sshKey.deleteMany({
        where: { id: cluster.sshKeyId, name: clusterKeyName(clusterId), clusters: { none: {} } },
      });
    }
  });
  engine.log.info({ clusterId }, 'cluster deleted');
}

/** Removes queued provisioning jobs and waits for running ones to notice the deletion. */
async function stopProvisioning(engine: Engine, cluster: ClusterRecord): Promise<number> {
  const jobs = [
    { queue: 'clusters' as const, id: jobIdFor('provisionCluster', { clusterId: cluster.id }) },
    ...cluster.nodes.flatMap((n) => [
      {
        queue: 'nodes' as const,
        id: jobIdFor('provisionNode', { clusterId: cluster.id, nodeId: n.id }),
      },
      {
        queue: 'nodes' as const,
        id: jobIdFor('removeNode', { clusterId: cluster.id, nodeId: n.id }),
      },
    ]),
  ];
  return stopJobs(engine, jobs);
}

/** Leaves the server in no cluster. A server never contacted holds nothing of ours. */
async function cleanNode(
  engine: Engine,
  cluster: ClusterRecord,
  node: Node,
  attempt: Attempt,
): Promise<void> {
  const scope = { clusterId: cluster.id, nodeId: node.id, teardown: true };
  if (isCloud(cluster.provider)) {
    // The machine is deleted: nothing on it needs undoing first.
    await destroyNodeServer(engine, cluster, node);
    return;
  }
  const target = serverTarget(node);
  if (!node.hostKey || !target) {
    await appendLog(engine.db, {
      ...scope,
      step: 'node.clean',
      message: `${node.name} was never contacted; nothing to clean`,
    });
    return;
  }
  const driver = driverFor(cluster.orchestrator, engine.settings);
  await step(
    engine,
    scope,
    'node.clean',
    async () => {
      let session: SshSession;
      try {
        session = await connectNode(engine, cluster, node, target, 15_000);
      } catch (error) {
        // A server presenting another host key gets no commands. One that stays unreachable
        // through every attempt is the user's to clean: the cluster is deleted regardless.
        if (error instanceof HostKeyChangedError) return `left as is, ${error.message}`;
        if (attempt.final) return `left as is, unreachable: ${errorMessage(error)}`;
        throw error;
      }
      try {
        return await driver.clean(session);
      } finally {
        await session.close();
      }
    },
    (m) => `${node.name}: ${m}`,
  );
}
