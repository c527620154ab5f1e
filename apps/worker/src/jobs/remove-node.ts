// removeNode: drain (workloads move), demote a manager, the server leaves, the managers forget
// it, the server is cleaned, the row goes. Refuses to take away the last manager while other
// nodes depend on it (the API refuses first; this guards against a stale request).
import type { Node } from '@flotilla/db';
import { errorMessage, isRetryable } from '@flotilla/errors';
import { appendLog, NotFoundError, transitionNode } from '@flotilla/lifecycle';
import { type JobData, jobIdFor } from '@flotilla/queue';
import type { SshSession } from '@flotilla/ssh';
import { type ClusterRecord, loadCluster } from '../cluster-record.ts';
import type { Attempt, Engine } from '../engine.ts';
import { ClusterGoneError, HostKeyChangedError, PermanentError } from '../errors.ts';
import { failNode } from '../failures.ts';
import { driverFor } from '../orchestrators/index.ts';
import { stopJobs } from '../quiesce.ts';
import { reconcileCluster } from '../reconcile.ts';
import { destroyNodeServer, isCloud } from '../servers/cloud.ts';
import { connectNode } from '../servers/connect.ts';
import { serverTarget } from '../servers/obtain.ts';
import { step } from '../step.ts';

export async function removeNode(
  engine: Engine,
  { clusterId, nodeId }: JobData<'removeNode'>,
  attempt: Attempt,
): Promise<void> {
  const cluster = await loadCluster(engine, clusterId);
  if (!cluster || cluster.status === 'deleting') return;
  const node = cluster.nodes.find((n) => n.id === nodeId);
  if (!node) {
    await reconcileCluster(engine.db, clusterId);
    return;
  }
  try {
    if (node.status !== 'deleting') {
      await transitionNode(engine.db, node.id, 'deleting', 'removal requested');
    }
    // A provisioning job still joining this node would undo the removal behind its back.
    await stopJobs(engine, [
      { queue: 'nodes', id: jobIdFor('provisionNode', { clusterId, nodeId: node.id }) },
    ]);
    await takeOut(engine, cluster, node);
  } catch (error) {
    // Gone with its cluster (deleted meanwhile): nothing is left to remove.
    if (error instanceof ClusterGoneError || error instanceof NotFoundError) return;
    if (attempt.final || !isRetryable(error)) {
      await failNode(engine, node.id, `removal failed: ${errorMessage(error)}`, 'removalFailed');
      await reconcileCluster(engine.db, clusterId);
    }
    throw error;
  }
  await engine.db.node.deleteMany({ where: { id: node.id } });
  await appendLog(engine.db, {
    clusterId,
    step: 'node.removed',
    message: `node ${node.name} removed from the cluster`,
  });
  await reconcileCluster(engine.db, clusterId);
}

async function takeOut(engine: Engine, cluster: ClusterRecord, node: Node): Promise<void> {
  const others = cluster.nodes.filter((n) => n.id !== node.id && n.status !== 'deleting');
  if (node.role === 'manager' && others.length > 0 && !others.some((n) => n.role === 'manager')) {
    throw new PermanentError(
      `refused: ${node.name} is the last manager and ${others.length} other node(s) still depend on it`,
    );
  }
  const driver = driverFor(cluster.orchestrator, engine.settings);
  const scope = { clusterId: cluster.id, nodeId: node.id, teardown: true };
  const sessions: SshSession[] = [];
  try {
    const manager = await reachableManager(engine, cluster, others);
    if (manager) sessions.push(manager);
    const memberId = node.orchestratorNodeId;
    if (memberId && manager) {
      await step(
        engine,
        scope,
        'node.drain',
        () => driver.drain(manager, memberId, engine.settings.drainTimeoutMs),
        (m) => m,
      );
      if (node.role === 'manager') {
        await step(
          engine,
          scope,
          `${driver.name}.demote`,
          () => driver.demote(manager, memberId),
          () => 'demoted to worker, so the managers keep their quorum',
        );
      }
    } else if (memberId && others.length > 0) {
      throw new Error('no manager of the cluster is reachable to drain the node');
    }

    const target = serverTarget(node);
    let own: SshSession | undefined;
    if (target && node.hostKey) {
      own = await connectNode(engine, cluster, node, target, 15_000).catch(async (error) => {
        // A server presenting another host key gets no commands: it is forgotten like a lost one.
        const why =
          error instanceof HostKeyChangedError
            ? `refusing to run commands on it: ${error.message}`
            : `server unreachable (${errorMessage(error)})`;
        await appendLog(engine.db, {
          ...scope,
          step: `${driver.name}.leave`,
          level: 'warn',
          message: `${why}; it is removed from the cluster without leaving by itself`,
        });
        return undefined;
      });
    }
    if (own) {
      const session = own;
      sessions.push(session);
      await step(
        engine,
        scope,
        `${driver.name}.leave`,
        () => driver.leave(session),
        () => 'left the cluster',
      );
    }
    if (memberId && manager) {
      await step(
        engine,
        scope,
        `${driver.name}.forget`,
        () => driver.forget(manager, memberId, { gone: !own }),
        () => "removed from the managers' node list",
      );
    }
    if (own) {
      const session = own;
      await step(
        engine,
        scope,
        'node.clean',
        () => driver.clean(session),
        (m) => m,
      );
    }
    if (isCloud(cluster.provider)) await destroyNodeServer(engine, cluster, node);
  } finally {
    await Promise.allSettled(sessions.map((s) => s.close()));
  }
}

/** A session on the first running manager that answers, trying them in ordinal order. */
export async function reachableManager(
  engine: Engine,
  cluster: ClusterRecord,
  candidates: readonly Node[],
): Promise<SshSession | undefined> {
  for (const manager of candidates) {
    if (manager.role !== 'manager' || manager.status !== 'running') continue;
    const target = serverTarget(manager);
    if (!target) continue;
    try {
      return await connectNode(engine, cluster, manager, target, 10_000);
    } catch {
      // Try the next manager.
    }
  }
  return undefined;
}
