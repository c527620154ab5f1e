// Part of the health check: a node whose provisioning failed because its server could not be
// reached (through every attempt of its job) is tried again once that server answers SSH again.
// Bounded by construction: a retry is one job with the usual attempt budget (JOB_ATTEMPTS), and
// it only starts when the server answers; any other failure — a changed host key, a failed
// removal, a command that fails on a server that does answer — is left to the user.
import type { Node } from '@flotilla/db';
import { appendLog, transitionCluster, transitionNode } from '@flotilla/lifecycle';
import { type JobData, type JobName, jobIdFor, jobs } from '@flotilla/queue';
import { type ClusterRecord, firstManager } from '../cluster-record.ts';
import type { Engine } from '../engine.ts';
import { failedUnreachable } from '../errors.ts';
import { dialNode } from '../servers/connect.ts';
import { serverTarget } from '../servers/obtain.ts';

// A failed removal (`removalFailed`) is the user's to retry, as a removal: never a reason to
// provision.
function retryable(node: Node): boolean {
  return node.status === 'error' && node.address !== null && failedUnreachable(node);
}

async function answers(engine: Engine, cluster: ClusterRecord, node: Node): Promise<boolean> {
  const target = serverTarget(node);
  if (!target) return false;
  try {
    const session = await dialNode(engine, cluster, node, target, 3_000);
    await session.close();
    return true;
  } catch {
    return false;
  }
}

/** Puts the job back in its queue: a failed one is retried afresh, a finished one re-added. */
async function requeue<N extends JobName>(engine: Engine, name: N, data: JobData<N>) {
  // Wherever it is: the shared queue, or a worker node's own (a pinned cluster).
  const job = await engine.queues.findJob(jobs[name].queue, jobIdFor(name, data));
  const state = job ? await job.getState() : 'unknown';
  if (job && state === 'failed') {
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
  } else if (!job || state === 'completed' || state === 'unknown') {
    // Gone meanwhile (removed by age, or by another pass): the add below is all that is needed.
    await job
      ?.remove()
      .catch((error) => engine.log.debug({ job: job.id, err: error }, 'finished job already gone'));
    await engine.queues.add(name, data);
  }
}

export async function retryFailedNodes(engine: Engine, cluster: ClusterRecord): Promise<void> {
  const failed = cluster.nodes.filter(retryable);
  if (failed.length === 0) return;
  const leader = firstManager(cluster.nodes);
  // The control plane never formed: the whole cluster starts over once its first manager answers.
  if (!cluster.joinSecretsEncrypted && leader && failed.includes(leader)) {
    if (!(await answers(engine, cluster, leader))) return;
    await transitionCluster(engine.db, cluster.id, 'provisioning', `${leader.name} answers again`);
    // Without a control plane no other node has joined anything: the ones in `error` only
    // waited for it, and start over with it.
    for (const node of cluster.nodes.filter((n) => n.status === 'error')) {
      await transitionNode(
        engine.db,
        node.id,
        'provisioning',
        'retrying: the control plane is formed again',
      );
    }
    await appendLog(engine.db, {
      clusterId: cluster.id,
      nodeId: leader.id,
      step: 'node.retry',
      message: `${leader.name} answers SSH again; forming the control plane is retried`,
    });
    await requeue(engine, 'provisionCluster', { clusterId: cluster.id });
    return;
  }
  for (const node of failed) {
    if (!(await answers(engine, cluster, node))) continue;
    await transitionNode(engine.db, node.id, 'provisioning', 'retrying: its server answers again');
    await appendLog(engine.db, {
      clusterId: cluster.id,
      nodeId: node.id,
      step: 'node.retry',
      message: `${node.name} answers SSH again; provisioning is retried`,
    });
    await requeue(engine, 'provisionNode', { clusterId: cluster.id, nodeId: node.id });
  }
}
