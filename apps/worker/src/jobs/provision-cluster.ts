// provisionCluster: the first manager forms the control plane here, inline; every other node is
// then a provisionNode job of its own, run in parallel (deterministic job ids: never twice).
import { transitionCluster, transitionNode } from '@flotilla/lifecycle';
import type { JobData } from '@flotilla/queue';
import { UnrecoverableError } from 'bullmq';
import { firstManager, loadCluster } from '../cluster-record.ts';
import type { Attempt, Engine } from '../engine.ts';
import { errorMessage } from '../errors.ts';
import { reconcileCluster } from '../reconcile.ts';
import { isCloud } from '../steps/cloud.ts';
import { ensureClusterKey } from '../steps/cluster-key.ts';
import { attemptNode } from './provision-node.ts';

export async function provisionCluster(
  engine: Engine,
  { clusterId }: JobData<'provisionCluster'>,
  attempt: Attempt,
): Promise<void> {
  const loaded = await loadCluster(engine, clusterId);
  if (!loaded || loaded.status === 'deleting') return;
  const cluster = isCloud(loaded.provider) ? await ensureClusterKey(engine, loaded) : loaded;
  const leader = firstManager(cluster.nodes);
  if (!leader) {
    await transitionCluster(engine.db, clusterId, 'error', 'the cluster has no manager node');
    return;
  }
  try {
    const ok = await attemptNode(engine, cluster, leader, 'init', attempt, {
      judgeCluster: false,
    });
    if (!ok) return;
  } catch (error) {
    if (attempt.final || error instanceof UnrecoverableError) {
      const reason = `the control plane could not be formed on ${leader.name}: ${errorMessage(error)}`;
      await transitionCluster(engine.db, clusterId, 'error', reason.slice(0, 1_000)).catch(
        () => {},
      );
      // The other nodes never start without a control plane to join; they must not look busy.
      for (const node of cluster.nodes) {
        if (node.id !== leader.id && node.status === 'provisioning') {
          await transitionNode(
            engine.db,
            node.id,
            'error',
            `not provisioned: the control plane on ${leader.name} could not be formed`,
          ).catch(() => {});
        }
      }
    }
    throw error;
  }
  for (const node of cluster.nodes) {
    if (node.id !== leader.id && node.status !== 'deleting') {
      await engine.queues.add('provisionNode', { clusterId, nodeId: node.id });
    }
  }
  await reconcileCluster(engine.db, clusterId);
}
