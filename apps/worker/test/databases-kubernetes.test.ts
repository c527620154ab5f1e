// Managed databases on a Kubernetes (k3s) cluster end to end, driven through the platform page's
// paths (`/api/v1/managed-databases…`) and the database.* procedures against the real API server
// and worker, on three testbed servers running the k3s stand-in (an API server with simulated
// controllers; see packages/testbed/README.md). What the API says is checked against what the
// stand-in holds (`k3s kubectl get … -o json` on the first server) and the log of every apply and
// delete it recorded. The stand-in runs no containers: a pod's readiness is its simulated
// kubelet's (ready 1.5 s after placement; an image with `:broken` crash-loops), so the readiness
// probe inside the pod (`pg_isready`) is in the objects but is not run here.

import { newId } from '@flotilla/db';
import { appliable, type KubeObject } from '@flotilla/deploy';
import { writeOutboxJob } from '@flotilla/queue';
import { managedDatabasePasswordContext } from '@flotilla/secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reachKubernetes } from '../src/apps/kubernetes.ts';
import { type AppsBed, deploymentSettles, latestDeployment, startAppsBed } from './apps-fixture.ts';
import { eventually } from './fixture.ts';

interface RestDatabase {
  id: string;
  cluster_id: string;
  name: string;
  engine: string;
  status: string;
  status_reason: string | null;
  connection_host: string;
  connection_port: number;
  connection_user: string | null;
  connection_database: string | null;
  published_port: number | null;
  node_id: string | null;
  app_id: string | null;
}

interface Credentials {
  password: string;
  internal: { host: string; port: number; url: string };
  env: Record<string, string>;
}

// biome-ignore lint/suspicious/noExplicitAny: objects read back from the stand-in as JSON.
type Json = any;

const namespace = 'flotilla-databases';
const appsNamespace = 'flotilla-apps';
const healthCheckIntervalMs = 1_000;
const figures: Record<string, number> = {};

let bed: AppsBed;

beforeAll(async () => {
  bed = await startAppsBed({
    orchestrator: 'kubernetes',
    env: { HEALTH_CHECK_INTERVAL_MS: String(healthCheckIntervalMs) },
  });
}, 600_000);

afterAll(async () => {
  console.info('managed databases on k3s, figures', figures);
  await bed?.close();
});

async function database(id: string): Promise<RestDatabase> {
  const reply = await bed.http<RestDatabase>('GET', `/api/v1/managed-databases/${id}`);
  expect(reply.status, reply.text).toBe(200);
  return reply.data;
}

function reaches(id: string, status: string, timeoutMs = 120_000): Promise<RestDatabase> {
  return eventually(
    `database ${id} ${status}`,
    async () => {
      const found = await database(id);
      if (status !== 'error' && found.status === 'error') {
        throw new Error(`database ${id} failed: ${found.status_reason}`);
      }
      return found.status === status ? found : undefined;
    },
    { timeoutMs, intervalMs: 100 },
  );
}

async function create(body: Record<string, unknown>): Promise<RestDatabase> {
  const reply = await bed.http<RestDatabase>('POST', '/api/v1/managed-databases', {
    cluster_id: bed.clusterId,
    ...body,
  });
  expect(reply.status, reply.text).toBe(201);
  return reply.data;
}

async function credentials(id: string): Promise<Credentials> {
  const reply = await bed.http<Credentials>('GET', `/api/database.credentials?databaseId=${id}`);
  expect(reply.status, reply.text).toBe(200);
  return reply.data;
}

/** Every object of `kind` in `ns` whose owner label is `owner`, by name. */
async function owned(kind: string, ns: string, owner: string): Promise<string[]> {
  const list = await bed.kubectl<Json>(`get ${kind} -n ${ns} -l flotilla.dev/owner=${owner}`);
  return (list.items as Json[]).map((o) => o.metadata.name).sort();
}

/** What the database owns on the cluster, "kind/name", pods included. */
async function objectsOf(databaseId: string): Promise<string[]> {
  const kinds = ['statefulset', 'service', 'secret', 'pvc', 'pod', 'configmap', 'deployment'];
  const found = await Promise.all(
    kinds.map(async (kind) =>
      (await owned(kind, namespace, `database.${databaseId}`)).map((name) => `${kind}/${name}`),
    ),
  );
  return found.flat().sort();
}

/** Every object in the apps' namespace, "kind/name". */
async function appsObjects(): Promise<string[]> {
  const kinds = ['deployment', 'service', 'secret', 'configmap', 'pod'];
  const found = await Promise.all(
    kinds.map(async (kind) =>
      ((await bed.kubectl<Json>(`get ${kind} -n ${appsNamespace}`)).items as Json[]).map(
        (o) => `${kind}/${o.metadata.name}`,
      ),
    ),
  );
  return found.flat().sort();
}

/** Every apply and delete the stand-in recorded, in order. */
async function recorded(): Promise<
  { verb: string; resource: string; namespace?: string; name: string; manager?: string }[]
> {
  const out = await bed.testbed.exec(
    bed.testbed.hosts[0]!.name,
    'cat /var/lib/rancher/k3s/server/standin-applied.jsonl',
  );
  return out.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** The tables (of every table Flotilla has) with a row whose JSON contains `text`. */
async function tablesHolding(text: string): Promise<string[]> {
  const tables = await bed.fx.db.$queryRaw<{ name: string }[]>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE'`;
  const holding: string[] = [];
  for (const { name } of tables) {
    const [row] = await bed.fx.db.$queryRawUnsafe<{ n: bigint }[]>(
      `select count(*) as n from "${name}" t where strpos(row_to_json(t)::text, $1) > 0`,
      text,
    );
    if (Number(row?.n ?? 0) > 0) holding.push(name);
  }
  return holding;
}

const decoded = (secret: Json) =>
  Object.fromEntries(
    Object.entries(secret.data as Record<string, string>).map(([k, v]) => [
      k,
      Buffer.from(v, 'base64').toString(),
    ]),
  );

let orders: RestDatabase;
let ordersPassword: string;

describe('managed databases on a k3s cluster', () => {
  it('creates Postgres: ready once its StatefulSet counts the pod ready; the stand-in holds its objects', async () => {
    const started = Date.now();
    orders = await create({ name: 'orders', engine: 'postgres' });
    expect(orders).toMatchObject({
      status: 'creating',
      // The headless Service's DNS name, in the databases' namespace.
      connection_host: `orders.${namespace}.svc`,
      connection_port: 5432,
      connection_user: 'app',
      connection_database: 'app',
    });
    const ready = await reaches(orders.id, 'ready');
    figures.createToReadyMs = Date.now() - started;

    const set = await bed.kubectl<Json>(`get statefulset orders -n ${namespace}`);
    expect(set.metadata.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'flotilla',
      'flotilla.dev/database': orders.id,
      'flotilla.dev/owner': `database.${orders.id}`,
    });
    expect(set.spec.replicas).toBe(1);
    expect(set.spec.serviceName).toBe('orders');
    expect(set.status.readyReplicas).toBe(1);
    const [template] = set.spec.volumeClaimTemplates;
    expect(template.metadata.name).toBe('data');
    expect(template.metadata.labels['flotilla.dev/owner']).toBe(`database.${orders.id}`);
    expect(template.spec).toMatchObject({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
    });
    const pod = set.spec.template.spec;
    const [container] = pod.containers;
    const row = await bed.fx.db.managedDatabase.findUniqueOrThrow({ where: { id: orders.id } });
    expect(container.image).toBe(row.image);
    // The image's own entrypoint; the password as a file from the Secret, never a value here.
    expect(container.command).toBeUndefined();
    expect(container.env).toEqual([
      { name: 'POSTGRES_USER', value: 'app' },
      { name: 'POSTGRES_DB', value: 'app' },
      { name: 'POSTGRES_PASSWORD_FILE', value: '/run/secrets/flotilla/postgres-password' },
    ]);
    expect(pod.volumes).toContainEqual({
      name: 'password',
      secret: {
        secretName: 'orders-credentials',
        defaultMode: 0o400,
        items: [{ key: 'password', path: 'postgres-password' }],
      },
    });
    // The readiness probe the kubelet runs inside the pod (the stand-in does not run it).
    expect(container.readinessProbe.exec.command[0]).toBe('pg_isready');
    expect(pod.imagePullSecrets).toEqual([{ name: 'orders-registry' }]);

    const service = await bed.kubectl<Json>(`get service orders -n ${namespace}`);
    expect(service.spec.clusterIP).toBe('None');
    expect(service.spec.ports).toEqual([
      expect.objectContaining({ name: 'postgres', port: 5432, targetPort: 5432 }),
    ]);
    expect(service.spec.selector).toEqual(set.spec.selector.matchLabels);

    // The password is the one database.credentials reads (sealed on the row), in the Secret only.
    const creds = await credentials(orders.id);
    ordersPassword = creds.password;
    expect(creds.internal.host).toBe(`orders.${namespace}.svc`);
    const secret = await bed.kubectl<Json>(`get secret orders-credentials -n ${namespace}`);
    expect(decoded(secret)).toEqual({ password: ordersPassword });
    expect(JSON.stringify(set)).not.toContain(ordersPassword);

    expect(await objectsOf(orders.id)).toEqual([
      'pod/orders-0',
      'pvc/data-orders-0',
      'secret/orders-credentials',
      'secret/orders-registry',
      'service/orders',
      'statefulset/orders',
    ]);
    const claim = await bed.kubectl<Json>(`get pvc data-orders-0 -n ${namespace}`);
    expect(claim.metadata.labels['flotilla.dev/owner']).toBe(`database.${orders.id}`);

    // Applied with server-side apply by Flotilla's field manager.
    const applies = (await recorded()).filter(
      (r) => r.verb === 'apply' && r.namespace === namespace,
    );
    expect(applies.map((r) => `${r.resource}/${r.name}`).sort()).toEqual(
      expect.arrayContaining([
        'secrets/orders-credentials',
        'secrets/orders-registry',
        'services/orders',
        'statefulsets/orders',
      ]),
    );
    expect(applies.every((r) => r.manager === 'flotilla')).toBe(true);

    // The node the pod runs on is recorded (with k3s's local-path storage its volume is there).
    const live = await bed.kubectl<Json>(`get pod orders-0 -n ${namespace}`);
    const node = await bed.fx.db.node.findFirstOrThrow({
      where: { clusterId: bed.clusterId, orchestratorNodeId: live.spec.nodeName },
    });
    expect(ready.node_id).toBe(node.id);
    expect(row.orchestratorNodeId).toBe(live.spec.nodeName);

    // Never in clear in our rows: sealed on the database's row, nowhere else.
    expect(row.passwordEncrypted).not.toContain(ordersPassword);
    expect(await tablesHolding(ordersPassword)).toEqual([]);
    expect(await tablesHolding(Buffer.from(ordersPassword).toString('base64'))).toEqual([]);
  });

  it('refuses an invalid object before anything is sent: error naming the object and field', async () => {
    // A row the API would not write (names are at most 47 characters there): a StatefulSet name
    // the API server takes but whose pods the controller could never create (over 52).
    const base = await bed.fx.db.managedDatabase.findUniqueOrThrow({ where: { id: orders.id } });
    const id = newId('db');
    const serviceName = `cache-${'x'.repeat(47)}`;
    await bed.fx.db.$transaction(async (tx) => {
      await tx.managedDatabase.create({
        data: {
          id,
          organizationId: base.organizationId,
          projectId: base.projectId,
          clusterId: base.clusterId,
          name: 'too long',
          engine: 'redis',
          version: '7',
          image: base.image.replace('/postgres:15', '/redis:7'),
          registryId: base.registryId,
          serviceName,
          networkName: `flotilla-db-${serviceName}`,
          passwordEncrypted: bed.fx.sealer.seal('pa55word', managedDatabasePasswordContext(id)),
          connectionPort: 6379,
        },
      });
      await writeOutboxJob(tx, 'createDatabase', { clusterId: base.clusterId, databaseId: id });
    });
    const failed = await reaches(id, 'error', 60_000);
    expect(failed.status_reason).toContain(`StatefulSet/${serviceName}: metadata.name:`);
    expect(failed.status_reason).toMatch(/longer than 52 characters/);
    const row = await bed.fx.db.managedDatabase.findUniqueOrThrow({ where: { id } });
    expect(row.failureKind).toBe('invalid');
    // Nothing of it reached the cluster: no apply recorded, no object.
    expect((await recorded()).filter((r) => r.name.startsWith(serviceName))).toEqual([]);
    expect(await objectsOf(id)).toEqual([]);

    const removed = await bed.http('DELETE', `/api/v1/managed-databases/${id}`);
    expect(removed.status, removed.text).toBe(204);
    await eventually(
      'the invalid database removed',
      async () =>
        (await bed.http('GET', `/api/v1/managed-databases/${id}`)).status === 404 || undefined,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  });

  it('binds to an app: its Secret and Deployment carry DATABASE_URL and PG*; unbind takes them out', async () => {
    const app = await bed.http<{ id: string }>('POST', '/api/v1/apps', {
      cluster_id: bed.clusterId,
      name: 'shop',
      source_type: 'image',
      image_url: bed.images.httpV1.name,
      port: 80,
    });
    expect(app.status, app.text).toBe(201);
    const first = await latestDeployment(bed, app.data.id);
    expect((await deploymentSettles(bed, app.data.id, first.id)).status).toBe('active');
    const appOwner = `app.${app.data.id}`;
    expect(await owned('secret', appsNamespace, appOwner)).not.toContain('shop-env');

    const started = Date.now();
    const bound = await bed.http<RestDatabase>(
      'POST',
      `/api/v1/managed-databases/${orders.id}/bind`,
      { app_id: app.data.id },
    );
    expect(bound.status, bound.text).toBe(200);
    expect(bound.data.app_id).toBe(app.data.id);
    const redeploy = await eventually(
      'the binding queued a deployment',
      async () => {
        const latest = await latestDeployment(bed, app.data.id);
        return latest.id !== first.id ? latest : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect((await deploymentSettles(bed, app.data.id, redeploy.id)).status).toBe('active');
    figures.bindToActiveMs = Date.now() - started;

    const host = `orders.${namespace}.svc`;
    const env = decoded(await bed.kubectl<Json>(`get secret shop-env -n ${appsNamespace}`));
    expect(env).toEqual({
      DATABASE_URL: `postgresql://app:${ordersPassword}@${host}:5432/app`,
      PGHOST: host,
      PGPORT: '5432',
      PGUSER: 'app',
      PGPASSWORD: ordersPassword,
      PGDATABASE: 'app',
    });
    const deployment = await bed.kubectl<Json>(`get deployment shop -n ${appsNamespace}`);
    expect(deployment.spec.template.spec.containers[0].envFrom).toContainEqual({
      secretRef: { name: 'shop-env' },
    });
    expect(deployment.metadata.annotations['flotilla.dev/deployment-id']).toBe(redeploy.id);
    expect(deployment.status.readyReplicas).toBe(1);
    // The app's deployment rows keep its Secret sealed, as any secret env.
    expect(await tablesHolding(ordersPassword)).toEqual([]);

    const unbound = await bed.http<RestDatabase>(
      'POST',
      `/api/v1/managed-databases/${orders.id}/unbind`,
    );
    expect(unbound.status, unbound.text).toBe(200);
    const again = await eventually(
      'the unbinding queued a deployment',
      async () => {
        const latest = await latestDeployment(bed, app.data.id);
        return latest.id !== redeploy.id ? latest : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect((await deploymentSettles(bed, app.data.id, again.id)).status).toBe('active');
    expect((await database(orders.id)).app_id).toBeNull();
    // Its only secret env was the binding's: the Secret is pruned, the Deployment no longer reads it.
    expect(await owned('secret', appsNamespace, appOwner)).not.toContain('shop-env');
    const after = await bed.kubectl<Json>(`get deployment shop -n ${appsNamespace}`);
    expect(JSON.stringify(after.spec.template.spec.containers[0].envFrom ?? [])).not.toContain(
      'shop-env',
    );
    expect(after.metadata.annotations['flotilla.dev/deployment-id']).toBe(again.id);
  });

  it('leaves ready while its pod crash-loops, and returns when the StatefulSet counts it ready again', async () => {
    // An image changed by hand to one that crashes (`:broken` crash-loops in the stand-in).
    const kube = await reachKubernetes(bed.worker!.engine, bed.clusterId);
    try {
      const live = await kube.client.get('StatefulSet', namespace, 'orders');
      const original = appliable(live as KubeObject) as Json;
      const broken = structuredClone(original);
      const image: string = original.spec.template.spec.containers[0].image;
      broken.spec.template.spec.containers[0].image = image.replace(/:[^:/]+$/, ':broken');
      const changedAt = Date.now();
      await kube.client.apply(broken);
      const down = await eventually(
        'the database is no longer ready',
        async () => {
          const found = await database(orders.id);
          return found.status !== 'ready' ? found : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 50 },
      );
      figures.crashLoopToNotReadyMs = Date.now() - changedAt;
      expect(down.status).toBe('error');
      expect(down.status_reason).toMatch(/^not ready: /);
      // Once the replacement pod crash-loops, the reason says so (the health check keeps the
      // reason current while the database stays in error).
      const crashing = await eventually(
        'the reason names CrashLoopBackOff',
        async () => {
          const found = await database(orders.id);
          return found.status_reason?.includes('CrashLoopBackOff') ? found : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      const pod = await bed.kubectl<Json>(`get pod orders-0 -n ${namespace}`);
      expect(pod.status.containerStatuses[0].state.waiting.reason).toBe('CrashLoopBackOff');
      expect(crashing.status).toBe('error');

      // Reverting the template is not enough for a StatefulSet: it waits for the broken pod to
      // become ready before replacing it, so the pod that ran the bad template is deleted too
      // (Kubernetes' "forced rollback"; the stand-in's controller behaves the same).
      const restoredAt = Date.now();
      await kube.client.apply(original);
      await kube.client.delete('Pod', namespace, 'orders-0');
      await reaches(orders.id, 'ready', 60_000);
      figures.fixedToReadyMs = Date.now() - restoredAt;
    } finally {
      await kube.close();
    }
  });

  it('refuses what it cannot do on Kubernetes: a published port (400), backups and restores (501)', async () => {
    const published = await bed.http('POST', '/api/v1/managed-databases', {
      cluster_id: bed.clusterId,
      name: 'public',
      engine: 'postgres',
      published_port: 31600,
    });
    expect(published.status, published.text).toBe(400);
    expect(published.text).toContain('published_port');

    const backup = await bed.http('POST', '/api/database.backup', { databaseId: orders.id });
    expect(backup.status, backup.text).toBe(501);
    expect(backup.text).toMatch(/exec into it/);
    const restore = await bed.http('POST', '/api/database.restore', {
      databaseId: orders.id,
      backupId: 'bak_none',
    });
    expect(restore.status, restore.text).toBe(501);
    expect(await bed.fx.db.databaseBackup.count()).toBe(0);
  });

  it('runs Redis too, and removal deletes exactly the removed database’s objects', async () => {
    const cache = await create({ name: 'cache', engine: 'redis' });
    expect(cache.connection_host).toBe(`cache.${namespace}.svc`);
    await reaches(cache.id, 'ready');
    const redis = await bed.kubectl<Json>(`get statefulset cache -n ${namespace}`);
    expect(redis.spec.template.spec.containers[0].env).toEqual([
      { name: 'REDIS_PASSWORD_FILE', value: '/run/secrets/flotilla/redis-password' },
    ]);
    const cacheObjects = await objectsOf(cache.id);
    expect(cacheObjects).toContain('pvc/data-cache-0');
    const appObjects = await appsObjects();

    // Only what the removal sends counts (an earlier test deleted a pod by hand).
    const before = (await recorded()).length;
    const started = Date.now();
    const removed = await bed.http('DELETE', `/api/v1/managed-databases/${orders.id}`);
    expect(removed.status, removed.text).toBe(204);
    await eventually(
      'the database removed',
      async () =>
        (await bed.http('GET', `/api/v1/managed-databases/${orders.id}`)).status === 404 ||
        undefined,
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    figures.removeMs = Date.now() - started;

    // Nothing of it is left, its claim (its data) included, as on Swarm…
    expect(await objectsOf(orders.id)).toEqual([]);
    const deletes = (await recorded())
      .slice(before)
      .filter((r) => r.verb === 'delete' && r.namespace === namespace);
    expect(deletes.map((r) => `${r.resource}/${r.name}`).sort()).toEqual([
      'persistentvolumeclaims/data-orders-0',
      'secrets/orders-credentials',
      'secrets/orders-registry',
      'services/orders',
      'statefulsets/orders',
    ]);
    // …and everything else is as it was.
    expect(await objectsOf(cache.id)).toEqual(cacheObjects);
    expect(await appsObjects()).toEqual(appObjects);
    expect((await database(cache.id)).status).toBe('ready');
  });
});
