// provisionCluster: the first manager forms the control plane here, inline; every other node is
// a provisionNode job of its own (deterministic job ids: never twice), started at once so that
// it reaches and prepares its server meanwhile and joins as soon as the control plane exists.

import type { Node } from '@flotilla/db';
import { codeOf, errorMessage, isRetryable } from '@flotilla/errors';
import { transitionCluster } from '@flotilla/lifecycle';
import { type JobData, jobIdFor } from '@flotilla/queue';
import { type ClusterRecord, firstManager, loadCluster } from '../cluster-record.ts';
import type { Attempt, Engine } from '../engine.ts';
import { failCluster, failNode } from '../failures.ts';
import { reconcileCluster } from '../reconcile.ts';
import { isCloud } from '../servers/cloud.ts';
import { ensureClusterKey } from '../servers/cluster-key.ts';
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
    await transitionCluster(
      engine.db,
      clusterId,
      'error',
      'the cluster has no manager node',
      'invalid',
    );
    return;
  }
  // The other nodes' jobs are enqueued while the first manager starts: with fifty of them,
  // enqueueing alone took seconds on a busy machine, and the first manager needs none of them.
  // Every job is enqueued before anything is judged below, as when it was done first.
  const enqueued = startNodeJobs(engine, cluster, leader);
  enqueued.catch(() => {});
  let ok: boolean;
  try {
    ok = await attemptNode(engine, cluster, leader, 'init', attempt, { judgeCluster: false });
  } catch (error) {
    await enqueued.catch(() => {});
    if (attempt.final || !isRetryable(error)) {
      await failCluster(
        engine,
        clusterId,
        `the control plane could not be formed on ${leader.name}: ${errorMessage(error)}`,
        codeOf(error),
      );
      // The other nodes never start without a control plane to join; they must not look busy.
      // Theirs is not a failure of their own: they start over when the control plane is formed
      // again (retry-failed.ts), never on their own.
      for (const node of cluster.nodes) {
        if (node.id !== leader.id && node.status === 'provisioning') {
          await failNode(
            engine,
            node.id,
            `not provisioned: the control plane on ${leader.name} could not be formed`,
            'stopped',
          );
        }
      }
    }
    throw error;
  }
  await enqueued;
  if (!ok) return;
  await reconcileCluster(engine.db, clusterId);
}

/**
 * One provisionNode job per node still to provision. A finished job of an earlier round (the
 * control plane failed, and is being formed again) is replaced: its id would deduplicate the new
 * one away.
 */
async function startNodeJobs(engine: Engine, cluster: ClusterRecord, leader: Node): Promise<void> {
  const nodes = cluster.nodes.filter((n) => n.id !== leader.id && n.status === 'provisioning');
  // Several at a time: one after another, fifty nodes' lookups and adds (each a transaction and
  // Redis round trips) held the first manager back by 15 s on a busy machine.
  let next = 0;
  const enqueue = async () => {
    for (let node = nodes[next++]; node; node = nodes[next++]) {
      const data = { clusterId: cluster.id, nodeId: node.id };
      const previous = await engine.queues.findJob('nodes', jobIdFor('provisionNode', data));
      if (previous && ((await previous.isCompleted()) || (await previous.isFailed()))) {
        await previous.remove();
      }
      await engine.queues.add('provisionNode', data);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, nodes.length) }, enqueue));
}
