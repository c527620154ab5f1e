// createDatabase: a managed database from `creating` to `ready` or `error`, as the servers prove
// it. The node is chosen first and stored before anything is deployed (the data will live in a
// volume there: a database is never moved, a later attempt deploys to the stored node or fails),
// then the service is applied pinned to it through the apps' deploy path and judged, and the
// status goes `ready` only when the engine's readiness probe answers inside the task.
//
// Resumable: each step asks the servers first. A resumed job finds the node already stored, the
// service already applied (an unchanged re-apply restarts nothing) and the secret already made.
import { engineProfiles, kubernetesDatabaseObjects } from '@flotilla/deploy';
import { codeOf, errorMessage, FlotillaError, isRetryable } from '@flotilla/errors';
import type { JobData } from '@flotilla/queue';
import { appLog, appStep } from '../apps/log.ts';
import {
  connectKubernetesDatabases,
  kubernetesDatabaseOf,
  recordPodNode,
} from '../databases/kubernetes.ts';
import {
  type DatabaseRecord,
  databaseRef,
  databaseSpecOf,
  imageCredentials,
  loadDatabase,
  passwordOf,
} from '../databases/records.ts';
import { markError, markReady } from '../databases/status.ts';
import { type DatabaseSwarm, reachDatabases } from '../databases/swarm.ts';
import type { Attempt, Engine } from '../engine.ts';
import { nodeIdLabel } from '../orchestrators/swarm.ts';
import { registryCasFor, trustOnCluster } from '../servers/registry-ca.ts';

export async function createDatabase(
  engine: Engine,
  { databaseId }: JobData<'createDatabase'>,
  attempt: Attempt,
): Promise<void> {
  const database = await loadDatabase(engine, databaseId);
  if (database?.status !== 'creating') return;
  const ref = databaseRef(database);
  try {
    if (database.cluster.orchestrator === 'kubernetes') await createOnKubernetes(engine, database);
    else await create(engine, database);
  } catch (error) {
    if (attempt.final || !isRetryable(error)) {
      await markError(engine, database, ['creating'], errorMessage(error), codeOf(error));
    } else {
      await appLog(
        engine,
        ref,
        'database.retry',
        `attempt ${attempt.number} failed and will be retried: ${errorMessage(error)}`,
        'warn',
      );
    }
    throw error;
  }
}

async function create(engine: Engine, database: DatabaseRecord): Promise<void> {
  const ref = databaseRef(database);
  const { databases: settings } = engine.settings;
  const swarm = await appStep(
    engine,
    ref,
    'database.connect',
    () => reachDatabases(engine, database.clusterId),
    (s) => `manager ${s.managerName} answers`,
  );
  try {
    const pinned = database.orchestratorNodeId
      ? database
      : await appStep(
          engine,
          ref,
          'database.node',
          () => chooseNode(engine, swarm, database),
          (d) => `pinned to node ${d.nodeName} (${d.orchestratorNodeId}): its data lives there`,
        );
    const spec = databaseSpecOf(pinned);
    const registry = await imageCredentials(engine, pinned);
    // A private registry's CA on the nodes before the image is pulled.
    await trustOnCluster(
      engine,
      database.clusterId,
      await registryCasFor(engine, database.organizationId, [database.image]),
      (message, level) => appLog(engine, ref, 'registry.ca', message, level),
    );
    const deployed = await appStep(
      engine,
      ref,
      'database.deploy',
      () =>
        swarm.databases.deploy(spec, {
          password: passwordOf(engine, pinned),
          ...(registry ? { registry } : {}),
          timeoutMs: settings.deployTimeoutMs,
        }),
      (r) => `service ${spec.name} ${r.outcome} on ${r.node} (${spec.image})`,
    );
    if (deployed.outcome !== 'succeeded') {
      const said = deployed.logs?.length ? `; it said: ${deployed.logs.slice(-5).join(' | ')}` : '';
      // The same spec would fail the same way: the user removes it, or the health check finds
      // it ready later (a slow first start).
      throw new FlotillaError('commandFailed', `${deployed.reason ?? deployed.outcome}${said}`, {
        retryable: false,
      });
    }
    const probe = engineProfiles[spec.engine].tools.probe;
    await appStep(
      engine,
      ref,
      'database.ready',
      () =>
        swarm.databases
          .waitUntilReady(spec, { timeoutMs: settings.readyTimeoutMs })
          .catch((error) => {
            // Waiting longer in another attempt proves no more: `error`, and the health check
            // takes it to `ready` if it answers later.
            throw new FlotillaError('commandTimedOut', errorMessage(error), { retryable: false });
          }),
      (r) => `${probe} answered inside the task on ${r.node} (${r.output ?? 'ok'})`,
    );
    await markReady(engine, pinned, ['creating'], {
      publicHost: pinned.publicHost ?? deployed.external?.host ?? null,
    });
  } finally {
    await swarm.close();
  }
}

/**
 * On Kubernetes: the StatefulSet (one replica, its claim template), the password Secret and the
 * headless Service applied in the databases' namespace, then `ready` once the StatefulSet counts
 * its pod ready — the kubelet runs the readiness probe (`pg_isready` / `redis-cli ping`) inside
 * the pod. The scheduler places the pod; the node it runs on is recorded once it is ready (with
 * k3s's local-path storage the volume stays there). Every object is validated before anything is
 * sent: an invalid one is `error` (`invalid`) with the object and field named.
 */
async function createOnKubernetes(engine: Engine, database: DatabaseRecord): Promise<void> {
  const ref = databaseRef(database);
  const { databases: settings } = engine.settings;
  const spec = kubernetesDatabaseOf(database);
  const password = passwordOf(engine, database);
  const registry = await imageCredentials(engine, database);
  // Built and validated before the cluster is reached: nothing is sent for an invalid object.
  const built = await appStep(
    engine,
    ref,
    'database.objects',
    async () => kubernetesDatabaseObjects(spec, { password, ...(registry ? { registry } : {}) }),
    (b) => `${b.objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')} valid`,
  );
  const kube = await connectKubernetesDatabases(engine, database);
  try {
    await trustOnCluster(
      engine,
      database.clusterId,
      await registryCasFor(engine, database.organizationId, [database.image]),
      (message, level) => appLog(engine, ref, 'registry.ca', message, level),
    );
    const deployed = await appStep(
      engine,
      ref,
      'database.deploy',
      () =>
        kube.databases.deploy(spec, {
          password,
          ...(registry ? { registry } : {}),
          // Pulling and starting, then the first readiness: one rollout here.
          timeoutMs: settings.deployTimeoutMs + settings.readyTimeoutMs,
        }),
      (r) => `applied in ${built.namespace}, StatefulSet ${spec.name} ${r.outcome} (${spec.image})`,
    );
    if (deployed.outcome !== 'succeeded') {
      // The same objects would fail the same way: the user removes it, or the health check
      // finds it ready later (a slow first start).
      throw new FlotillaError('commandFailed', deployed.reason ?? deployed.outcome, {
        retryable: false,
      });
    }
    const probe = engineProfiles[spec.engine].tools.probe;
    const ready = await appStep(
      engine,
      ref,
      'database.ready',
      async () => {
        const found = await kube.databases.probe(spec);
        if (!found.ready) {
          throw new FlotillaError('commandFailed', found.reason ?? 'not ready', {
            retryable: false,
          });
        }
        return found;
      },
      (r) =>
        `pod ${r.pod} is Ready on ${r.node ?? 'its node'}: its readiness probe (${probe}) answers`,
    );
    await recordPodNode(engine, database, ready.node);
    await markReady(engine, database, ['creating'], { publicHost: null });
  } finally {
    await kube.close();
  }
}

/**
 * The node the database is pinned to: the ready, active node running the fewest tasks, stored
 * before anything is deployed. An attempt that finds one stored meanwhile takes that one.
 */
async function chooseNode(
  engine: Engine,
  swarm: DatabaseSwarm,
  database: DatabaseRecord,
): Promise<DatabaseRecord & { nodeName: string }> {
  const node = await swarm.databases.chooseNode();
  const row = await engine.db.node.findFirst({
    where: {
      clusterId: database.clusterId,
      OR: [
        { orchestratorNodeId: node.ID },
        ...(node.Spec.Labels?.[nodeIdLabel] ? [{ id: node.Spec.Labels[nodeIdLabel] }] : []),
      ],
    },
    select: { id: true, name: true, address: true },
  });
  await engine.db.managedDatabase.updateMany({
    where: { id: database.id, orchestratorNodeId: null },
    data: {
      orchestratorNodeId: node.ID,
      nodeId: row?.id ?? null,
      // Where a published port answers: the address users reach the node at.
      publicHost: row?.address ?? node.Status.Addr ?? null,
    },
  });
  const stored = await loadDatabase(engine, database.id);
  if (!stored?.orchestratorNodeId) {
    throw new FlotillaError('notFound', `database ${database.name} was removed meanwhile`);
  }
  const name =
    stored.orchestratorNodeId === node.ID ? node.Description.Hostname : stored.orchestratorNodeId;
  return { ...stored, nodeName: row && stored.nodeId === row.id ? row.name : name };
}
