// healthCheck (repeatable): for every running or degraded cluster (and one in `error` because
// its managers were lost), a reachable manager is asked for the node list; nodes move between
// `running` and `down` as it reports them, and the cluster between `running`, `degraded` and
// `error` with them. When no manager answers at all, the managers are marked down only after
// HEALTH_CHECK_MISSES checks in a row. Nodes that failed because their server was unreachable are retried once it
// answers again (retry-failed.ts).
import type { Node, NodeStatus } from '@flotilla/db';
import { errorMessage } from '@flotilla/errors';
import {
  appendLog,
  clusterStatusFromNodes,
  IllegalTransitionError,
  transitionNode,
} from '@flotilla/lifecycle';
import { AddressRefusedError } from '@flotilla/network-policy';
import { clusterTargets } from '@flotilla/queue';
import { recordAvailability } from '../availability.ts';
import { type ClusterRecord, loadCluster } from '../cluster-record.ts';
import { checkDatabases } from '../databases/health.ts';
import type { Engine } from '../engine.ts';
import { HostKeyChangedError } from '../errors.ts';
import { failNode } from '../failures.ts';
import { driverFor, type OrchestratorNode } from '../orchestrators/index.ts';
import { reconcileCluster } from '../reconcile.ts';
import { dialNode } from '../servers/connect.ts';
import { serverTarget } from '../servers/obtain.ts';
import { retryFailedNodes } from './retry-failed.ts';

const watched = ['running', 'degraded', 'error'] as const;

export async function healthCheck(
  engine: Engine,
  { node }: { node?: string | undefined } = {},
): Promise<void> {
  const live = await engine.db.cluster.findMany({
    where: { status: { in: [...watched] } },
    select: { id: true },
  });
  // A cluster pinned to a worker is checked by that worker's own pass (in a private network it
  // may be the only one that reaches the servers): the shared pass takes the others, and those
  // whose preferred worker is offline.
  const targets = await clusterTargets(
    engine.db,
    live.map((cluster) => cluster.id),
  );
  const clusters = live.filter((cluster) => (targets.get(cluster.id) ?? null) === (node ?? null));
  // A few clusters at a time: each check holds an SSH session and database connections, and
  // an organisation with a thousand clusters would otherwise open a thousand of each at once.
  let next = 0;
  const checker = async () => {
    for (let c = clusters[next++]; c; c = clusters[next++]) {
      await checkCluster(engine, c.id).catch((error) =>
        engine.log.warn({ clusterId: c.id, err: error }, 'health check failed'),
      );
    }
  };
  await Promise.all(Array.from({ length: clustersCheckedAtOnce }, checker));
}

const clustersCheckedAtOnce = 16;

export async function checkCluster(engine: Engine, clusterId: string): Promise<void> {
  const cluster = await loadCluster(engine, clusterId);
  if (!cluster || !(watched as readonly string[]).includes(cluster.status)) return;
  await retryFailedNodes(engine, cluster);
  const members = cluster.nodes.filter(
    (n) => n.orchestratorNodeId && (n.status === 'running' || n.status === 'down'),
  );
  const managers = members.filter((n) => n.role === 'manager');
  // Of the clusters in `error`, only those judged so from their nodes (managers lost) are the
  // health check's to revive — also once a manager is running again but the re-judging failed
  // (a timed-out transaction on a loaded machine would otherwise leave it in `error` for good);
  // one that never formed or whose deletion failed keeps its reason.
  const judgedFromNodes =
    managers.some((n) => n.status === 'down') || cluster.failureKind === 'noManagerRunning';
  if (cluster.status === 'error' && !judgedFromNodes) return;
  // Managers refused for their host key: they stay in `error` with the security reason, even
  // when another manager lists them Ready — the cluster vouching for a replaced server is no
  // proof it is ours. Only an operator (remove and add the node again) brings them back.
  const refused = new Set<string>();
  const readAt = new Date();
  const listed = await askManagers(engine, cluster, managers, refused);
  let changed = refused.size > 0;
  if (!listed) {
    for (const manager of managers) {
      if (refused.has(manager.id)) continue;
      changed = (await missed(engine, manager)) || changed;
    }
  } else {
    const missedBefore = managers.filter((n) => n.missedChecks > 0).map((n) => n.id);
    if (missedBefore.length > 0) {
      await engine.db.node.updateMany({
        where: { id: { in: missedBefore } },
        data: { missedChecks: 0 },
      });
    }
    // What the managers report is the orchestrator's own judgement (already debounced by its
    // heartbeats), so it is taken at once.
    for (const node of members) {
      if (refused.has(node.id)) continue;
      const seen = listed.find((n) => n.id === node.orchestratorNodeId);
      const marked = seen?.ready
        ? await mark(engine, node, 'running', 'reported Ready by the managers')
        : await mark(
            engine,
            node,
            'down',
            seen ? 'the managers report it not Ready' : 'the managers no longer list it',
          );
      changed = marked || changed;
      // Issue 17: whether the scheduler places work on it, as the managers say (the page's
      // `draining`); a node changed by hand on the servers shows that too.
      if (seen?.availability) {
        await recordAvailability(engine, node, seen.availability, readAt, cluster.orchestrator);
      }
    }
  }
  // Re-judged when a node changed, or when the cluster's status no longer follows from its nodes
  // (an earlier re-judging failed); otherwise a pass over a healthy fleet writes nothing.
  const settled = cluster.nodes.filter((n) => n.status !== 'provisioning');
  if (changed || (settled.length > 0 && clusterStatusFromNodes(settled) !== cluster.status)) {
    await reconcileCluster(engine.db, clusterId);
  }
  // Issue 17: its managed databases, each probed inside its task.
  if (listed) await checkDatabases(engine, clusterId, cluster.orchestrator);
}

/**
 * Counts a check in which no manager answered against a manager; it is marked down once
 * HEALTH_CHECK_MISSES checks in a row have missed it. Returns whether its status changed.
 */
async function missed(engine: Engine, manager: Node): Promise<boolean> {
  const [row] = await engine.db.$queryRaw<{ missedChecks: number; status: NodeStatus }[]>`
    update "Node" set "missedChecks" = "missedChecks" + 1
    where id = ${manager.id} and status in ('running', 'down')
    returning "missedChecks", status`;
  if (row?.status !== 'running') return false;
  const limit = engine.settings.healthCheckMisses;
  if (row.missedChecks < limit) {
    engine.log.info(
      { clusterId: manager.clusterId, nodeId: manager.id },
      `no manager answered the health check (${row.missedChecks} of ${limit} in a row)`,
    );
    return false;
  }
  const checks = limit === 1 ? 'the health check' : `${limit} health checks in a row`;
  return mark(engine, manager, 'down', `no manager of the cluster answered ${checks} over SSH`);
}

/** The node list from the first manager that answers, trying them in ordinal order. */
async function askManagers(
  engine: Engine,
  cluster: ClusterRecord,
  managers: readonly Node[],
  refused: Set<string>,
): Promise<OrchestratorNode[] | undefined> {
  const driver = driverFor(cluster.orchestrator, engine.settings);
  for (const manager of managers) {
    const target = serverTarget(manager);
    if (!target) continue;
    try {
      const session = await dialNode(engine, cluster, manager, target, 5_000);
      try {
        return await driver.nodes(session);
      } finally {
        await session.close();
      }
    } catch (error) {
      // A changed host key, or an address the network policy now refuses: the node waits for
      // the user, with the reason, and no check contacts it again.
      if (error instanceof HostKeyChangedError || error instanceof AddressRefusedError) {
        refused.add(manager.id);
        await failNode(engine, manager.id, error.message, error.code);
      }
      engine.log.debug({ nodeId: manager.id, err: error }, 'manager did not answer');
    }
  }
  return undefined;
}

/** Moves a node the check read as running or down; returns whether its status changed. */
async function mark(engine: Engine, node: Node, to: NodeStatus, reason: string): Promise<boolean> {
  const result = await engine.db
    .$transaction(async (tx) => {
      // Only the states this check read (running, down) are its to change. A node that went to
      // `error` since — refused for its host key by an overlapping check, or failed — or is
      // being taken out keeps that state: the managers' view of it proves nothing.
      const [row] = await tx.$queryRaw<{ status: NodeStatus }[]>`
        select status from "Node" where id = ${node.id} for update`;
      if (row?.status !== 'running' && row?.status !== 'down') return undefined;
      return transitionNode(tx, node.id, to, reason);
    })
    .catch((error) => {
      if (error instanceof IllegalTransitionError) return undefined;
      engine.log.warn(
        { nodeId: node.id, err: error },
        `could not mark node ${to}: ${errorMessage(error)}`,
      );
      return undefined;
    });
  if (result?.changed) {
    await appendLog(engine.db, {
      clusterId: node.clusterId,
      nodeId: node.id,
      step: 'health',
      level: to === 'running' ? 'info' : 'warn',
      message: `${node.name} is ${to}: ${reason}`,
    });
  }
  return result?.changed ?? false;
}
