// Keeping a database's status true: every health-check pass probes each database of the cluster
// inside its task (pg_isready / redis-cli ping, through its node's Engine API; on Kubernetes the
// kubelet's readiness probe, read from the API server). `ready` goes to
// `error` (failureKind `unavailable`) on the first probe that fails for a reason the servers
// give — the task is not running, its node is down, the probe says no — and back to `ready` on
// the first that answers. A probe that could not ask (no manager answers, the pinned node's SSH
// does not) judges nothing: the cluster's own check reports the servers.
import { createSwarmDatabases } from '@flotilla/deploy';
import type { DockerEngine, SwarmNode } from '@flotilla/docker';
import { errorMessage } from '@flotilla/errors';
import { appLog } from '../apps/log.ts';
import type { Engine } from '../engine.ts';
import { kubernetesDatabaseOf, reachKubernetesDatabases, recordPodNode } from './kubernetes.ts';
import { databaseRecordSelect, databaseRef, databaseSpecOf } from './records.ts';
import { markError, markReady } from './status.ts';
import { reachDatabases } from './swarm.ts';

export async function checkDatabases(
  engine: Engine,
  clusterId: string,
  orchestrator: 'swarm' | 'kubernetes',
): Promise<void> {
  if (orchestrator === 'kubernetes') return checkKubernetesDatabases(engine, clusterId);
  const databases = await engine.db.managedDatabase.findMany({
    where: {
      clusterId,
      orchestratorNodeId: { not: null },
      // A failed removal waits for the user; a restore restarts its target on purpose.
      OR: [{ status: 'ready' }, { status: 'error', failureKind: { not: 'removalFailed' } }],
      restores: { none: { status: 'running' } },
    },
    select: databaseRecordSelect,
  });
  if (databases.length === 0) return;
  let swarm: Awaited<ReturnType<typeof reachDatabases>>;
  try {
    swarm = await reachDatabases(engine, clusterId);
  } catch (error) {
    engine.log.debug({ clusterId, err: error }, 'no manager answered the database check');
    return;
  }
  try {
    let unreached: string | undefined;
    const probes = createSwarmDatabases({
      manager: swarm.manager,
      async engineForNode(node: SwarmNode): Promise<DockerEngine> {
        try {
          return await swarm.engineForNode(node);
        } catch (error) {
          unreached = errorMessage(error);
          throw error;
        }
      },
    });
    for (const database of databases) {
      unreached = undefined;
      const result = await probes.probe(databaseSpecOf(database));
      if (result.ready) {
        if (database.status === 'error') await markReady(engine, database, ['error']);
        continue;
      }
      if (database.status !== 'ready' || unreached) continue;
      // The manager may have stopped answering mid-probe: then nothing was proven.
      const answers = await swarm.manager.ping().then(
        () => true,
        () => false,
      );
      if (!answers) return;
      await markError(
        engine,
        database,
        ['ready'],
        `not ready: ${result.reason ?? 'the probe did not answer'}`,
        'unavailable',
      );
    }
  } finally {
    await swarm.close();
  }
}

/**
 * On Kubernetes the kubelet runs the readiness probe inside the pod; what it found is read from
 * the API server: ready while the StatefulSet counts the pod ready and the pod is Running and
 * Ready (a crash-looping pod is not). A database never deployed for an invalid object is left
 * alone; one that never became ready is looked at too (a slow first start turns `ready`).
 */
async function checkKubernetesDatabases(engine: Engine, clusterId: string): Promise<void> {
  const databases = await engine.db.managedDatabase.findMany({
    where: {
      clusterId,
      OR: [
        { status: 'ready' },
        { status: 'error', failureKind: { notIn: ['removalFailed', 'invalid'] } },
      ],
    },
    select: databaseRecordSelect,
  });
  if (databases.length === 0) return;
  let kube: Awaited<ReturnType<typeof reachKubernetesDatabases>>;
  try {
    kube = await reachKubernetesDatabases(engine, clusterId);
  } catch (error) {
    engine.log.debug({ clusterId, err: error }, 'no API server answered the database check');
    return;
  }
  try {
    for (const database of databases) {
      // An API server that stops answering mid-pass proves nothing: the pass ends there.
      const result = await kube.databases.probe(kubernetesDatabaseOf(database));
      if (result.ready) {
        if (await recordPodNode(engine, database, result.node)) {
          await appLog(
            engine,
            databaseRef(database),
            'database.node',
            `its pod runs on ${result.node}`,
          );
        }
        if (database.status === 'error') await markReady(engine, database, ['error']);
        continue;
      }
      const reason = `not ready: ${result.reason ?? 'the pod is not ready'}`;
      if (database.status !== 'ready') {
        // Still not ready, maybe for a new reason (ContainerCreating → CrashLoopBackOff): the
        // row says the current one.
        if (database.failureKind === 'unavailable' && database.statusReason !== reason) {
          await engine.db.managedDatabase.updateMany({
            where: { id: database.id, status: 'error', failureKind: 'unavailable' },
            data: { statusReason: reason },
          });
        }
        continue;
      }
      await markError(engine, database, ['ready'], reason, 'unavailable');
    }
  } catch (error) {
    engine.log.debug({ clusterId, err: error }, 'the database check stopped: no answer');
  } finally {
    await kube.close();
  }
}
