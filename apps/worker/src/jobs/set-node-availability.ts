// setNodeAvailability (issue 17): cluster.drainNode, activateNode and evacuateNode write the
// availability they want on the node row with a new generation; this job puts the row's latest
// wish on the servers through a manager (Swarm `docker node update --availability`, Kubernetes
// cordon/uncordon/drain), reads the node back and records what the managers say. Several requests
// in a row collapse: a job that finds a later one already applied does nothing.
import type { Node } from '@flotilla/db';
import { errorMessage, isRetryable } from '@flotilla/errors';
import { appendLog } from '@flotilla/lifecycle';
import type { JobData } from '@flotilla/queue';
import { recordAvailability } from '../availability.ts';
import { loadCluster } from '../cluster-record.ts';
import type { Attempt, Engine } from '../engine.ts';
import { PermanentError } from '../errors.ts';
import { driverFor } from '../orchestrators/index.ts';
import { reachableManager } from './remove-node.ts';

export async function setNodeAvailability(
  engine: Engine,
  { clusterId, nodeId, generation }: JobData<'setNodeAvailability'>,
  attempt: Attempt,
): Promise<void> {
  const cluster = await loadCluster(engine, clusterId);
  if (!cluster || cluster.status === 'deleting') return;
  const node = cluster.nodes.find((n) => n.id === nodeId);
  // Removed meanwhile (its removal drains it anyway), or a later request already applied.
  if (!node || node.status === 'deleting' || node.availabilityApplied >= generation) return;
  const wanted = node.availability;
  const scope = { clusterId, nodeId, workerNode: engine.nodeName ?? null };
  const started = Date.now();
  try {
    const said = await apply(engine, cluster, node);
    await engine.db.$executeRaw`
      update "Node" set "availabilityApplied" = greatest("availabilityApplied", ${node.availabilityGeneration})
      where id = ${nodeId}`;
    await appendLog(engine.db, {
      ...scope,
      step: 'node.availability',
      message: `${node.name}: ${said} (${Date.now() - started} ms)`,
    });
  } catch (error) {
    const final = attempt.final || !isRetryable(error);
    await appendLog(engine.db, {
      ...scope,
      step: 'node.availability',
      level: 'error',
      message: `setting ${node.name} to ${wanted} failed${final ? '' : ', will retry'}: ${errorMessage(error)}`,
    });
    // Given up: the request is over, and the node shows what the managers report, not a wish
    // that never reached them.
    if (final) {
      await engine.db.$executeRaw`
        update "Node" set "availabilityApplied" = greatest("availabilityApplied", ${node.availabilityGeneration})
        where id = ${nodeId}`;
    }
    throw error;
  }
}

async function apply(
  engine: Engine,
  cluster: NonNullable<Awaited<ReturnType<typeof loadCluster>>>,
  node: Node,
): Promise<string> {
  const memberId = node.orchestratorNodeId;
  if (!memberId) throw new PermanentError(`${node.name} has not joined the cluster yet`);
  const manager = await reachableManager(engine, cluster, cluster.nodes);
  if (!manager) throw new Error('no manager of the cluster answers over SSH');
  try {
    const driver = driverFor(cluster.orchestrator, engine.settings);
    const said = await driver.setAvailability(
      manager,
      memberId,
      node.availability,
      engine.settings.drainTimeoutMs,
    );
    // Read back: the row says what the servers say, not what was asked.
    const readAt = new Date();
    const seen = (await driver.nodes(manager)).find((n) => n.id === memberId);
    if (seen?.availability) {
      await recordAvailability(engine, node, seen.availability, readAt, cluster.orchestrator);
    }
    return said;
  } finally {
    await manager.close();
  }
}
