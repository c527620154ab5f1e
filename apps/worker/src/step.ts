// A step is one named, logged unit of provisioning work ("swarm.join"). Before it runs, the
// cluster is checked: once a cluster is being deleted, in-flight provisioning stops at the next
// step instead of racing the teardown.
import { errorMessage } from '@flotilla/errors';
import { appendLog } from '@flotilla/lifecycle';
import type { Engine } from './engine.ts';
import { ClusterGoneError, NodeRemovedError, ProvisioningStoppedError } from './errors.ts';

export interface StepScope {
  clusterId: string;
  nodeId?: string | null;
  /** Teardown steps run while the cluster is `deleting`; provisioning steps must not. */
  teardown?: boolean;
}

/** Throws ProvisioningStoppedError once the cluster (or the node) is being taken down. */
export async function assertClusterActive(
  engine: Engine,
  clusterId: string,
  nodeId?: string | null,
): Promise<void> {
  // One query for both on the common path (before every step); a missing node is told apart
  // from a missing cluster only when it happens.
  if (nodeId) {
    const node = await engine.db.node.findUnique({
      where: { id: nodeId },
      select: { status: true, cluster: { select: { status: true } } },
    });
    if (node) {
      if (node.cluster.status === 'deleting') throw new ClusterGoneError(clusterId);
      if (node.status === 'deleting') throw new NodeRemovedError(nodeId);
      return;
    }
  }
  const cluster = await engine.db.cluster.findUnique({
    where: { id: clusterId },
    select: { status: true },
  });
  if (!cluster || cluster.status === 'deleting') throw new ClusterGoneError(clusterId);
  if (nodeId) throw new NodeRemovedError(nodeId);
}

/**
 * Runs `fn` as the step `name`: one log line when it finishes (with what it did and how long it
 * took) or fails, and the node's `lastStep` recorded so an operator sees how far it got.
 */
export async function step<T>(
  engine: Engine,
  scope: StepScope,
  name: string,
  fn: () => Promise<T>,
  describe: (result: T) => string,
): Promise<T> {
  if (!scope.teardown) await assertClusterActive(engine, scope.clusterId, scope.nodeId);
  const nodeId = scope.nodeId ?? null;
  const started = Date.now();
  let result: T;
  try {
    result = await fn();
  } catch (error) {
    if (!(error instanceof ProvisioningStoppedError)) {
      await appendLog(engine.db, {
        clusterId: scope.clusterId,
        nodeId,
        step: name,
        workerNode: engine.nodeName ?? null,
        level: 'error',
        message: `${name} failed after ${Date.now() - started} ms: ${errorMessage(error)}`,
      }).catch((logError) =>
        // The step's own error is thrown below; that its log line is missing is said here.
        engine.log.warn(
          { clusterId: scope.clusterId, nodeId, step: name, err: logError },
          `could not log the failure of ${name}: ${errorMessage(error)}`,
        ),
      );
    }
    throw error;
  }
  await Promise.all([
    appendLog(engine.db, {
      clusterId: scope.clusterId,
      nodeId,
      step: name,
      workerNode: engine.nodeName ?? null,
      message: `${describe(result)} (${Date.now() - started} ms)`,
    }),
    nodeId && !scope.teardown
      ? engine.db.node.updateMany({ where: { id: nodeId }, data: { lastStep: name } })
      : undefined,
  ]);
  return result;
}

/** Polls `check` until it returns a value, or throws `timeoutMessage` after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  {
    timeoutMs,
    intervalMs = 1_000,
    timeoutMessage,
  }: {
    timeoutMs: number;
    intervalMs?: number;
    timeoutMessage: () => string;
  },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() + intervalMs > deadline) throw new Error(timeoutMessage());
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
