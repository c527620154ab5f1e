// provisionCluster: the first manager forms the control plane here, inline; every other node is
// a provisionNode job of its own (deterministic job ids: never twice), started at once so that
// it reaches and prepares its server meanwhile and joins as soon as the control plane exists.

import type { Node } from '@flotilla/db';
import { transitionCluster, transitionNode } from '@flotilla/lifecycle';
import { type JobData, jobIdFor, jobs } from '@flotilla/queue';
import { UnrecoverableError } from 'bullmq';
import { type ClusterRecord, firstManager, loadCluster } from '../cluster-record.ts';
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
  await startNodeJobs(engine, cluster, leader);
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
  await reconcileCluster(engine.db, clusterId);
}

/**
 * One provisionNode job per node still to provision. A finished job of an earlier round (the
 * control plane failed, and is being formed again) is replaced: its id would deduplicate the new
 * one away.
 */
async function startNodeJobs(engine: Engine, cluster: ClusterRecord, leader: Node): Promise<void> {
  const queue = engine.queues.get(jobs.provisionNode.queue);
  for (const node of cluster.nodes) {
    if (node.id === leader.id || node.status !== 'provisioning') continue;
    const data = { clusterId: cluster.id, nodeId: node.id };
    const previous = await queue.getJob(jobIdFor('provisionNode', data));
    if (previous && ((await previous.isCompleted()) || (await previous.isFailed()))) {
      await previous.remove();
    }
    await engine.queues.add('provisionNode', data);
  }
}
