// Managed databases end to end, driven through the platform page's paths (`/api/v1/managed-
// databases…`) and the database.* procedures against the real API server and worker, on a
// 3-node testbed Swarm pulling the database images (built from Debian's postgresql-15 and
// redis-server) from the testbed's registry, which wants credentials. What the API says is
// checked against the servers: `psql` from this machine on the published port and from a
// container on another node through the database's network, `docker service ps` for the node,
// the bound app's own environment over HTTP, a container killed on its node.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { databaseImages } from '@flotilla/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from '../../../packages/deploy/test/http.ts';
import { type AppsBed, deploymentSettles, latestDeployment, startAppsBed } from './apps-fixture.ts';
import { eventually } from './fixture.ts';

const run = promisify(execFile);

interface RestDatabase {
  id: string;
  cluster_id: string;
  name: string;
  engine: string;
  version: string;
  status: string;
  status_reason: string | null;
  connection_host: string;
  connection_port: number;
  connection_user: string | null;
  connection_database: string | null;
  published_port: number | null;
  public_host: string | null;
  node_id: string | null;
  app_id: string | null;
}

interface Credentials {
  password: string;
  internal: { host: string; port: number; url: string };
  public: { host: string; port: number; url: string } | null;
  env: Record<string, string>;
}

let bed: AppsBed;
let backupDir: string;
const figures: Record<string, number | string> = {};
const healthCheckIntervalMs = 1_000;

beforeAll(async () => {
  backupDir = await mkdtemp(join(tmpdir(), 'flotilla-backups-'));
  bed = await startAppsBed({
    env: {
      FLOTILLA_BACKUP_DIR: backupDir,
      HEALTH_CHECK_INTERVAL_MS: String(healthCheckIntervalMs),
    },
  });
  const started = Date.now();
  await databaseImages(bed.testbed);
  figures.imagesPushMs = Date.now() - started;
}, 900_000);

afterAll(async () => {
  console.log('managed database figures', figures);
  await bed?.close();
  if (backupDir) await rm(backupDir, { recursive: true, force: true });
});

async function database(id: string): Promise<RestDatabase> {
  const reply = await bed.http<RestDatabase>('GET', `/api/v1/managed-databases/${id}`);
  expect(reply.status, reply.text).toBe(200);
  return reply.data;
}

function reaches(id: string, status: string, timeoutMs = 300_000): Promise<RestDatabase> {
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

async function credentials(id: string): Promise<Credentials> {
  const reply = await bed.http<Credentials>('GET', `/api/database.credentials?databaseId=${id}`);
  expect(reply.status, reply.text).toBe(200);
  return reply.data;
}

/** psql on this machine; the rows of a query, one per line. */
async function psql(url: string, sql: string): Promise<string> {
  const { stdout } = await run(
    'psql',
    ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', url, '-c', sql],
    { env: { ...process.env, PGCONNECT_TIMEOUT: '5' } },
  ).catch((error: { stderr?: string }) => {
    throw new Error(`psql: ${error.stderr ?? error}`);
  });
  return stdout.trim();
}

async function create(body: Record<string, unknown>): Promise<RestDatabase> {
  const reply = await bed.http<RestDatabase>('POST', '/api/v1/managed-databases', {
    cluster_id: bed.clusterId,
    ...body,
  });
  expect(reply.status, reply.text).toBe(201);
  return reply.data;
}

/** The Swarm hostname of the node a service's running task is on, as a manager reports it. */
async function runningOn(service: string): Promise<string[]> {
  const out = await bed.docker(
    `service ps ${service} --filter desired-state=running --format '{{.Node}}|{{.CurrentState}}'`,
  );
  return out
    .trim()
    .split('\n')
    .filter((line) => line.split('|')[1]?.startsWith('Running'))
    .map((line) => line.split('|')[0] as string);
}

/** What the orchestrator calls the node a database was pinned to at creation. */
async function pinnedHostname(id: string): Promise<string> {
  const row = await bed.fx.db.managedDatabase.findUniqueOrThrow({ where: { id } });
  expect(row.orchestratorNodeId).toBeTruthy();
  return (
    await bed.docker(`node inspect ${row.orchestratorNodeId} --format '{{.Description.Hostname}}'`)
  ).trim();
}

/** The environment the app's task serves at /cgi-bin/env, from whichever node runs it. */
async function appEnv(port: number): Promise<Record<string, string>> {
  for (const host of bed.hosts) {
    const answer = await get(host, port, '/cgi-bin/env').catch(() => undefined);
    if (answer?.status === 200) {
      return Object.fromEntries(
        answer.body
          .trim()
          .split('\n')
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
    }
  }
  throw new Error(`no node answers /cgi-bin/env on ${port}`);
}

let pg: RestDatabase;
let pgUrl: string;
let pgCredentials: Credentials;

describe('managed databases on a Swarm', () => {
  it('creates a Postgres database that is ready only when it answers, on the node recorded', async () => {
    const started = Date.now();
    const created = await create({
      name: 'orders',
      engine: 'postgres',
      version: '15',
      published_port: 31500,
    });
    expect(created.status).toBe('creating');
    pg = await reaches(created.id, 'ready');
    figures.postgresCreateToReadyMs = Date.now() - started;
    expect(pg).toMatchObject({
      engine: 'postgres',
      version: '15',
      connection_host: 'orders',
      connection_port: 5432,
      connection_user: 'app',
      connection_database: 'app',
      published_port: 31500,
    });
    expect(pg.node_id).toBeTruthy();
    expect(bed.hosts).toContain(pg.public_host);

    // Its one task runs on the node chosen and stored at creation.
    const pinned = await pinnedHostname(pg.id);
    expect(await runningOn('orders')).toEqual([pinned]);
    // The page's node_id is Flotilla's node: the one the orchestrator knows by that id.
    const node = await bed.fx.db.node.findUniqueOrThrow({ where: { id: pg.node_id as string } });
    const row = await bed.fx.db.managedDatabase.findUniqueOrThrow({ where: { id: pg.id } });
    expect(node.orchestratorNodeId).toBe(row.orchestratorNodeId);

    pgCredentials = await credentials(pg.id);
    expect(pgCredentials.public).toMatchObject({ host: pg.public_host, port: 31500 });
    pgUrl = pgCredentials.public?.url as string;
    await psql(pgUrl, 'create table items (id int primary key, label text)');
    await psql(pgUrl, "insert into items select i, 'before backup' from generate_series(1, 3) i");
    expect(await psql(pgUrl, 'select count(*) from items')).toBe('3');

    // The page's list shows it with its field names.
    const list = await bed.http<RestDatabase[]>('GET', '/api/v1/managed-databases');
    expect(list.data.find((d) => d.id === pg.id)).toMatchObject({
      cluster_id: bed.clusterId,
      status: 'ready',
      connection_host: 'orders',
      connection_port: 5432,
      connection_user: 'app',
      connection_database: 'app',
      app_id: null,
    });
  });

  it('binds to an app: its tasks get DATABASE_URL and PG*, a container on another node connects with them; unbind takes them back', async () => {
    const app = await bed.http<{ id: string }>('POST', '/api/v1/apps', {
      cluster_id: bed.clusterId,
      name: 'shop',
      source_type: 'image',
      image_url: bed.images.httpV1.name,
      port: 80,
      published_port: 31501,
    });
    expect(app.status, app.text).toBe(201);
    const first = await latestDeployment(bed, app.data.id);
    expect((await deploymentSettles(bed, app.data.id, first.id)).status).toBe('active');
    expect(await appEnv(31501)).not.toHaveProperty('DATABASE_URL');

    const started = Date.now();
    const bound = await bed.http<RestDatabase>('POST', `/api/v1/managed-databases/${pg.id}/bind`, {
      app_id: app.data.id,
    });
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
    figures.bindToServingMs = Date.now() - started;

    const env = await appEnv(31501);
    expect(env.DATABASE_URL).toBe(pgCredentials.env.DATABASE_URL);
    expect(env.DATABASE_URL).toBe(`postgresql://app:${pgCredentials.password}@orders:5432/app`);
    for (const name of ['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE']) {
      expect(env[name], name).toBe(pgCredentials.env[name]);
    }
    const appRow = await bed.http<{ secret_env_names: string[] }>(
      'GET',
      `/api/v1/apps/${app.data.id}`,
    );
    expect(appRow.data.secret_env_names).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'PGPASSWORD']),
    );

    // Another node than the database's, a container on the database's network, the app's URL.
    const row = await bed.fx.db.managedDatabase.findUniqueOrThrow({ where: { id: pg.id } });
    const pinned = await pinnedHostname(pg.id);
    const other = bed.testbed.hosts.find((h) => h.name !== pinned);
    if (!other) throw new Error('no other node');
    const { address, username, password } = bed.testbed.registry;
    const login = await bed.testbed.exec(
      other.name,
      `docker login -u ${username} --password-stdin ${address}`,
      { input: password ?? '' },
    );
    expect(login.code, login.stderr).toBe(0);
    const fromTask = await bed.testbed.exec(
      other.name,
      `docker run --rm --network ${row.networkName} --entrypoint psql ${row.image} -X -t -A '${env.DATABASE_URL}' -c 'select count(*) from items'`,
    );
    expect(fromTask.code, fromTask.stderr).toBe(0);
    expect(fromTask.stdout.trim()).toBe('3');

    const unbound = await bed.http<RestDatabase>(
      'POST',
      `/api/v1/managed-databases/${pg.id}/unbind`,
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
    const after = await appEnv(31501);
    expect(after).not.toHaveProperty('DATABASE_URL');
    expect(after).not.toHaveProperty('PGPASSWORD');
    expect((await database(pg.id)).app_id).toBeNull();
    // Nor is the app on the database's network any more.
    const networks = await bed.docker(
      `service inspect shop --format '{{json .Spec.TaskTemplate.Networks}}'`,
    );
    const networkId = (
      await bed.docker(`network inspect ${row.networkName} --format '{{.Id}}'`)
    ).trim();
    expect(networks).not.toContain(networkId);
  });

  it('leaves ready within a health-check pass when its container is killed, and returns on the same node with its data', async () => {
    const pinned = await pinnedHostname(pg.id);
    const containers = await bed.testbed.exec(
      pinned,
      'docker ps -q --filter label=com.docker.swarm.service.name=orders',
    );
    const container = containers.stdout.trim();
    expect(container).toMatch(/^[0-9a-f]{12}$/);
    const killedAt = Date.now();
    const kill = await bed.testbed.exec(pinned, `docker kill ${container}`);
    expect(kill.code, kill.stderr).toBe(0);
    const down = await eventually(
      'the database is no longer ready',
      async () => {
        const found = await database(pg.id);
        return found.status !== 'ready' ? found : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    const notReadyAfterMs = Date.now() - killedAt;
    figures.killToNotReadyMs = notReadyAfterMs;
    expect(down).toMatchObject({ status: 'error' });
    expect(down.status_reason).toMatch(/^not ready: /);
    // One pass starts at most an interval after the kill; the pass itself is an SSH round trip
    // and one exec on the node (see figures.killToNotReadyMs for what it took here).
    expect(notReadyAfterMs).toBeLessThan(healthCheckIntervalMs + 4_000);

    await reaches(pg.id, 'ready', 120_000);
    figures.killToReadyAgainMs = Date.now() - killedAt;
    expect(await runningOn('orders')).toEqual([pinned]);
    expect(await psql(pgUrl, 'select count(*) from items')).toBe('3');
  });

  it('backs up, and a restore brings back the rows of the backup and not the later ones', async () => {
    const started = Date.now();
    const backup = await bed.http<{ id: string }>('POST', '/api/database.backup', {
      databaseId: pg.id,
    });
    expect(backup.status, backup.text).toBe(201);
    const stored = await eventually(
      'the backup is stored',
      async () => {
        const list = await bed.http<{
          backups: { id: string; status: string; sizeBytes: number }[];
        }>('GET', `/api/database.backups?databaseId=${pg.id}`);
        const found = list.data.backups.find((b) => b.id === backup.data.id);
        if (found?.status === 'failed') throw new Error(`backup failed: ${list.text}`);
        return found?.status === 'succeeded' ? found : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    figures.backupMs = Date.now() - started;
    figures.backupBytes = stored.sizeBytes;
    // In the control plane's directory, as big as the API says.
    const files = await readdir(join(backupDir, pg.id));
    expect(files).toEqual([`${backup.data.id}.dump`]);
    expect((await stat(join(backupDir, pg.id, files[0] as string))).size).toBe(stored.sizeBytes);

    await psql(pgUrl, "insert into items select i, 'after backup' from generate_series(4, 6) i");
    expect(await psql(pgUrl, 'select count(*) from items')).toBe('6');

    const restoreStarted = Date.now();
    const restore = await bed.http<{ restore: { id: string } }>('POST', '/api/database.restore', {
      databaseId: pg.id,
      backupId: backup.data.id,
    });
    expect(restore.status, restore.text).toBe(201);
    await restoreFinishes(pg.id, restore.data.restore.id);
    figures.restoreMs = Date.now() - restoreStarted;
    expect(await psql(pgUrl, "select string_agg(id::text, ',' order by id) from items")).toBe(
      '1,2,3',
    );
    expect(await psql(pgUrl, "select count(*) from items where label = 'after backup'")).toBe('0');

    // Into a new database: created on the same cluster, restored once ready.
    const copy = await bed.http<{
      database: RestDatabase & { id: string };
      restore: { id: string };
    }>('POST', '/api/database.restore', {
      databaseId: pg.id,
      backupId: backup.data.id,
      newDatabase: { name: 'orders-copy', publishedPort: 31503 },
    });
    expect(copy.status, copy.text).toBe(201);
    await reaches(copy.data.database.id, 'ready');
    await restoreFinishes(copy.data.database.id, copy.data.restore.id);
    const copyUrl = (await credentials(copy.data.database.id)).public?.url as string;
    expect(await psql(copyUrl, "select string_agg(id::text, ',' order by id) from items")).toBe(
      '1,2,3',
    );
  });

  it('runs Redis too: ready, answering PING with its password on the published port', async () => {
    const started = Date.now();
    const redis = await reaches(
      (await create({ name: 'cache', engine: 'redis', published_port: 31504 })).id,
      'ready',
    );
    figures.redisCreateToReadyMs = Date.now() - started;
    expect(redis).toMatchObject({ engine: 'redis', version: '7', connection_port: 6379 });
    const secret = await credentials(redis.id);
    expect(secret.env).toEqual({ REDIS_URL: `redis://:${secret.password}@cache:6379` });
    const { stdout } = await run(
      'redis-cli',
      ['-h', redis.public_host as string, '-p', '31504', 'PING'],
      { env: { ...process.env, REDISCLI_AUTH: secret.password } },
    );
    expect(stdout.trim()).toBe('PONG');
  });

  it('removes a database with everything it had on the servers and its backups', async () => {
    const pinned = await pinnedHostname(pg.id);
    const removed = await bed.http('DELETE', `/api/v1/managed-databases/${pg.id}`);
    expect(removed.status, removed.text).toBe(204);
    await eventually(
      'the database is gone',
      async () => {
        const reply = await bed.http('GET', `/api/v1/managed-databases/${pg.id}`);
        return reply.status === 404 ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    expect((await bed.docker("service ls --format '{{.Name}}'")).split('\n')).not.toContain(
      'orders',
    );
    const volumes = await bed.testbed.exec(pinned, "docker volume ls --format '{{.Name}}'");
    expect(volumes.stdout.split('\n')).not.toContain('orders-data');
    expect(await readdir(join(backupDir, pg.id)).catch(() => [])).toEqual([]);
  });
});

async function restoreFinishes(databaseId: string, restoreId: string) {
  return eventually(
    `restore ${restoreId}`,
    async () => {
      const list = await bed.http<{ restores: { id: string; status: string; reason: string }[] }>(
        'GET',
        `/api/database.backups?databaseId=${databaseId}`,
      );
      const found = list.data.restores.find((r) => r.id === restoreId);
      if (found?.status === 'failed') throw new Error(`restore failed: ${found.reason}`);
      return found?.status === 'succeeded' ? found : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 200 },
  );
}
