// Managed databases on a real 3-node Swarm of the testbed: Postgres 15 and Redis 7 images built
// from this machine's Debian packages and pulled (with credentials) from the testbed registry.
// Each database is pinned to one node; probes, dumps and restores run inside its task through
// the Engine API of that node. Clients on this machine reach the databases through ports
// published in host mode on the pinned node (the testbed kernel has no IPVS for the mesh).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connectDocker, type DockerEngine, type SwarmNode } from '@flotilla/docker';
import { connect, type SshSession } from '@flotilla/ssh';
import {
  createTestbed,
  type DatabaseImages,
  databaseImages,
  generateKeyPair,
  type Testbed,
} from '@flotilla/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BackupStore,
  createDirectoryBackupStore,
  createSwarmDatabases,
  type DatabaseSpec,
  type DatabaseSpecInput,
  databaseSpecSchema,
  type RegistryCredentials,
  type SwarmDatabases,
} from '../src/index.ts';

const run = promisify(execFile);

let testbed: Testbed;
let images: DatabaseImages;
let sessions: SshSession[];
let manager: DockerEngine;
let databases: SwarmDatabases;
let registry: RegistryCredentials;
let nodes: SwarmNode[];
let backupDir: string;
let store: BackupStore;
const figures: Record<string, number | string> = {};

const network = 'flotilla-project-p1';
const pgPassword = 'Xq7-p0stgres+pass/word';
const redisPassword = 'r3dis"pass\\word';

function spec(input: Partial<DatabaseSpecInput> & Pick<DatabaseSpecInput, 'name' | 'nodeId'>) {
  return databaseSpecSchema.parse({
    databaseId: `db_${input.name.replace(/-/g, '_')}`,
    engine: 'postgres',
    version: '15',
    image: images.postgres15.name,
    network,
    ...input,
  });
}

async function until<T>(
  what: string,
  probe: () => Promise<T | false>,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms ${last ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** psql on this machine against a published port; the rows of a query, tab-separated. */
async function psql(port: number, host: string, sql: string, password = pgPassword) {
  const { stdout } = await run(
    'psql',
    [
      '-X',
      '-q',
      '-t',
      '-A',
      '-v',
      'ON_ERROR_STOP=1',
      '-h',
      host,
      '-p',
      String(port),
      '-U',
      'app',
      '-c',
      sql,
    ],
    { env: { ...process.env, PGPASSWORD: password, PGDATABASE: 'app', PGCONNECT_TIMEOUT: '5' } },
  ).catch((error: { stderr?: string }) => {
    throw new Error(`psql: ${error.stderr ?? error}`);
  });
  return stdout.trim();
}

async function redisCli(port: number, host: string, ...args: string[]) {
  const { stdout } = await run('redis-cli', ['-h', host, '-p', String(port), ...args], {
    env: { ...process.env, REDISCLI_AUTH: redisPassword },
  });
  return stdout.trim();
}

const hostOf = (nodeId: string) => nodes.find((n) => n.ID === nodeId)!.Description.Hostname;
const addressOf = (nodeId: string) => nodes.find((n) => n.ID === nodeId)!.Status.Addr!;

/** The node each running task of a service is on, as `docker service ps` prints it. */
async function servicePs(name: string): Promise<string[]> {
  const out = await sessions[0]!.runOk(
    `docker service ps ${name} --filter desired-state=running --format '{{.Node}} {{.CurrentState}}'`,
  );
  return out
    .trim()
    .split('\n')
    .filter((line) => line.includes(' Running '))
    .map((line) => line.split(' ')[0]!);
}

/** Containers of a service on one server, by Swarm's own label. */
async function containersOn(node: string, service: string): Promise<string[]> {
  const out = await testbed.exec(
    node,
    `docker ps -q --filter label=com.docker.swarm.service.name=${service}`,
  );
  return out.stdout.trim().split('\n').filter(Boolean);
}

beforeAll(async () => {
  const keys = await generateKeyPair();
  testbed = await createTestbed({ hosts: 3, authorizedKeys: [keys.publicKey], registryAuth: true });
  registry = {
    server: testbed.registry.address,
    username: testbed.registry.username!,
    password: testbed.registry.password!,
  };
  const pushing = (async () => {
    const started = Date.now();
    const pushed = await databaseImages(testbed);
    figures.imagesPushMs = Date.now() - started;
    return pushed;
  })();
  // Awaited below, after the swarm is formed.
  pushing.catch(() => {});
  sessions = await Promise.all(
    testbed.hosts.map((h) =>
      connect({
        host: h.host,
        port: h.port,
        username: h.user,
        privateKey: keys.privateKey,
        timeoutMs: 20_000,
      }),
    ),
  );
  const [first, ...others] = sessions;
  await first!.runOk(`docker swarm init --advertise-addr ${first!.host}`);
  const token = (await first!.runOk('docker swarm join-token -q worker')).trim();
  await Promise.all(
    others.map((s) =>
      s.runOk(`docker swarm join --token ${token} --advertise-addr ${s.host} ${first!.host}:2377`),
    ),
  );
  manager = connectDocker(first!);
  const engines = new Map<string, DockerEngine>();
  databases = createSwarmDatabases({
    manager,
    async engineForNode(node) {
      const session = sessions.find((s) => s.host === node.Status.Addr);
      if (!session) throw new Error(`no server at ${node.Status.Addr}`);
      const engine = engines.get(session.host) ?? connectDocker(session);
      engines.set(session.host, engine);
      return engine;
    },
  });
  nodes = await until('3 nodes ready', async () => {
    const all = await manager.nodes();
    return all.filter((n) => n.Status.State === 'ready').length === 3 && all;
  });
  images = await pushing;
  backupDir = await mkdtemp(join(tmpdir(), 'flotilla-backups-'));
  store = createDirectoryBackupStore(backupDir);
}, 600_000);

afterAll(async () => {
  console.log('database figures', figures);
  await Promise.all((sessions ?? []).map((s) => s.close()));
  await testbed?.destroy();
  if (backupDir) await rm(backupDir, { recursive: true, force: true });
});

describe('managed databases on a Swarm', () => {
  let orders: DatabaseSpec;
  let copy: DatabaseSpec;
  let cache: DatabaseSpec;
  const ordersPort = 15432;
  const cachePort = 16379;

  it('pins a new database to the least-loaded active node', async () => {
    const busy = nodes.slice(0, 2).map((n) => n.Description.Hostname);
    // Two sleepers on the first two nodes: the third runs nothing.
    await sessions[0]!.runOk(
      `docker login -u ${registry.username} --password-stdin ${registry.server}`,
      { input: registry.password },
    );
    await sessions[0]!.runOk(
      `docker service create -d --name filler --replicas 2 --with-registry-auth ` +
        `--constraint node.hostname!=${nodes[2]!.Description.Hostname} ` +
        `--entrypoint /bin/busybox ${images.postgres15.name} sleep 600`,
    );
    await sessions[0]!.runOk(`docker logout ${registry.server}`);
    await until('fillers running', async () => (await servicePs('filler')).length === 2);
    const chosen = await databases.chooseNode();
    expect(busy).not.toContain(chosen.Description.Hostname);
    expect(chosen.ID).toBe(nodes[2]!.ID);
    await sessions[0]!.runOk('docker service rm filler');
  });

  it('a Postgres database reaches ready on the node it was pinned to at creation', async () => {
    const pinned = nodes[1]!;
    orders = spec({ name: 'orders-db', nodeId: pinned.ID, publishedPort: ordersPort });
    const started = Date.now();
    const result = await databases.deploy(orders, { password: pgPassword, registry });
    expect(result, result.reason).toMatchObject({
      outcome: 'succeeded',
      nodeId: pinned.ID,
      node: pinned.Description.Hostname,
      internal: { host: 'orders-db', port: 5432 },
      external: { host: pinned.Status.Addr, port: ordersPort },
    });
    const ready = await databases.waitUntilReady(orders, { timeoutMs: 120_000 });
    figures.postgresCreateToReadyMs = Date.now() - started;
    expect(ready).toMatchObject({ ready: true, node: pinned.Description.Hostname });
    expect(ready.output).toMatch(/accepting connections/);
    expect(await servicePs('orders-db')).toEqual([pinned.Description.Hostname]);
    const applied = result.applied.spec;
    expect(applied.TaskTemplate.Placement?.Constraints).toEqual([`node.id == ${pinned.ID}`]);
    expect(applied.TaskTemplate.ContainerSpec.Image).toBe(
      `${images.postgres15.name}@${images.postgres15.digest}`,
    );
    // The password is a secret file, never an environment value or a label.
    expect(JSON.stringify(applied)).not.toContain(pgPassword);
    const timings: number[] = [];
    for (let i = 0; i < 5; i++) {
      const probe = await databases.probe(orders);
      expect(probe.ready).toBe(true);
      timings.push(probe.durationMs);
    }
    figures.probeMsMedian = timings.sort((a, b) => a - b)[2]!;
  });

  it('psql from this machine connects with the password, and only with it', async () => {
    const host = addressOf(orders.nodeId);
    expect(await psql(ordersPort, host, 'select current_user, current_database()')).toBe('app|app');
    await expect(psql(ordersPort, host, 'select 1', 'wrong-password')).rejects.toThrow(
      /password authentication failed for user "app"/,
    );
  });

  it('a task on another node reaches it by name over the overlay network', async () => {
    const other = testbed.hosts.find((h) => h.name !== hostOf(orders.nodeId))!.name;
    const login = await testbed.exec(
      other,
      `docker login -u ${registry.username} --password-stdin ${registry.server}`,
      { input: registry.password },
    );
    expect(login.code, login.stderr).toBe(0);
    const out = await testbed.exec(
      other,
      `docker pull -q ${images.postgres15.name} >/dev/null && ` +
        `docker run --rm --network ${network} --entrypoint psql ${images.postgres15.name} ` +
        `'postgresql://app:${encodeURIComponent(pgPassword)}@orders-db:5432/app' -tAc 'select 42'`,
      { timeoutMs: 120_000 },
    );
    await testbed.exec(other, `docker logout ${registry.server}`);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.trim()).toBe('42');
  });

  it('a killed container: not ready until Swarm restarts it, on the same node, data intact', async () => {
    const host = addressOf(orders.nodeId);
    await psql(
      ordersPort,
      host,
      'create table orders (id int primary key, item text); ' +
        "insert into orders select g, 'item ' || g from generate_series(1, 100) g",
    );
    const node = hostOf(orders.nodeId);
    const [container] = await containersOn(node, 'orders-db');
    expect(container).toBeTruthy();
    const before = await databases.probe(orders);
    expect(before.ready).toBe(true);
    expect(before.task?.containerId?.startsWith(container!)).toBe(true);
    const killed = Date.now();
    const kill = await testbed.exec(node, `docker kill ${container}`);
    expect(kill.code, kill.stderr).toBe(0);
    const down = await until('probe says not ready', async () => {
      const probe = await databases.probe(orders);
      return !probe.ready && probe;
    });
    figures.killedReason = down.reason ?? '';
    // Caught either before Swarm noticed (the exec finds the container stopped) or after.
    expect(down.reason).toMatch(/is not running \(killed or restarting\)|task (failed|starting)/);
    const back = await databases.waitUntilReady(orders, { timeoutMs: 120_000, intervalMs: 250 });
    figures.killToReadyMs = Date.now() - killed;
    expect(back.task?.id).not.toBe(before.task?.id);
    expect(back.node).toBe(node);
    expect(await servicePs('orders-db')).toEqual([node]);
    expect(await psql(ordersPort, host, 'select count(*) from orders')).toBe('100');
  });

  it('refuses to move a database to another node', async () => {
    const elsewhere = nodes.find((n) => n.ID !== orders.nodeId)!;
    await expect(
      databases.deploy({ ...orders, nodeId: elsewhere.ID }, { password: pgPassword, registry }),
    ).rejects.toThrow(/pinned to node .*leave its data behind/);
    expect(await servicePs('orders-db')).toEqual([hostOf(orders.nodeId)]);
  });

  it('refuses a published port already taken, before deploying anything', async () => {
    expect(await databases.publishedPorts()).toContainEqual({
      port: ordersPort,
      protocol: 'tcp',
      mode: 'host',
      service: 'orders-db',
    });
    const clash = spec({ name: 'clash-db', nodeId: nodes[0]!.ID, publishedPort: ordersPort });
    await expect(databases.deploy(clash, { password: pgPassword, registry })).rejects.toThrow(
      /publishedPort: 15432\/tcp is already published by service orders-db/,
    );
    expect(await manager.service('clash-db')).toBeNull();
    expect(await manager.secrets({ name: ['clash-db-password'] })).toEqual([]);
  });

  it('a database that cannot start fails its deploy, with what its entrypoint said', async () => {
    // The Redis image given a Postgres spec: its entrypoint finds no REDIS_PASSWORD_FILE.
    const broken = spec({ name: 'broken-db', nodeId: nodes[0]!.ID, image: images.redis7.name });
    const result = await databases.deploy(broken, { password: pgPassword, registry });
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(/task of the new service failed.*exit.*1/);
    expect(result.logs?.join('\n')).toMatch(/redis-entrypoint: no password/);
    expect(await databases.probe(broken)).toMatchObject({ ready: false });
    expect(await databases.remove(broken)).toMatchObject({ removed: true, volume: 'removed' });
  });

  it('backup, write more, restore: the backed-up rows are back, the later ones gone', async () => {
    const host = addressOf(orders.nodeId);
    // Enough data for the stream to matter: ~20 MB of rows.
    await psql(
      ordersPort,
      host,
      'insert into orders select g, repeat(md5(g::text), 6) from generate_series(101, 100000) g',
    );
    const started = Date.now();
    const dump = await databases.backup(orders);
    expect(dump).toMatchObject({ format: 'pg_dump-custom', nodeId: orders.nodeId });
    const stored = await store.put(`${orders.databaseId}/1.${dump.extension}`, dump.stream);
    figures.backupMs = Date.now() - started;
    figures.backupBytes = stored.bytes;
    expect(stored.bytes).toBeGreaterThan(100_000);

    await psql(
      ordersPort,
      host,
      "insert into orders values (100001, 'after the backup'); delete from orders where id <= 10",
    );
    expect(await psql(ordersPort, host, 'select count(*) from orders')).toBe('99991');

    const restoreStarted = Date.now();
    const restored = await databases.restore(orders, await store.get(stored.key));
    figures.restoreMs = Date.now() - restoreStarted;
    expect(restored.bytes).toBe(stored.bytes);
    expect(await psql(ordersPort, host, 'select count(*), min(id), max(id) from orders')).toBe(
      '100000|1|100000',
    );
  });

  it('restores the same dump into a new database on another node', async () => {
    const other = nodes.find((n) => n.ID !== orders.nodeId)!;
    copy = spec({ name: 'orders-copy', nodeId: other.ID, publishedPort: 15433 });
    const result = await databases.deploy(copy, { password: pgPassword, registry });
    expect(result.outcome, result.reason).toBe('succeeded');
    await databases.waitUntilReady(copy);
    const [backup] = await store.list(`${orders.databaseId}/`);
    await databases.restore(copy, await store.get(backup!.key));
    expect(await psql(15433, other.Status.Addr!, 'select count(*) from orders')).toBe('100000');
  });

  it('a dump that fails is an error on its stream and is not stored', async () => {
    const wrong = { ...orders, database: 'no_such_database' };
    const dump = await databases.backup(wrong);
    await expect(store.put(`${orders.databaseId}/broken.dump`, dump.stream)).rejects.toThrow(
      /pg_dump exited with 1: .*no_such_database/,
    );
    expect((await store.list(`${orders.databaseId}/`)).map((b) => b.key)).toEqual([
      `${orders.databaseId}/1.dump`,
    ]);
  });

  it('a Redis database answers PING and keeps a key across a container kill', async () => {
    cache = spec({
      name: 'cache',
      engine: 'redis',
      version: '7',
      image: images.redis7.name,
      nodeId: nodes[0]!.ID,
      publishedPort: cachePort,
    });
    const result = await databases.deploy(cache, { password: redisPassword, registry });
    expect(result.outcome, result.reason).toBe('succeeded');
    const ready = await databases.waitUntilReady(cache);
    expect(ready.output).toBe('PONG');
    const host = addressOf(cache.nodeId);
    expect(await redisCli(cachePort, host, 'set', 'greeting', 'hello')).toBe('OK');
    await expect(
      run('redis-cli', ['-h', host, '-p', String(cachePort), 'get', 'greeting']),
    ).resolves.toMatchObject({ stdout: expect.stringMatching(/NOAUTH/) });

    const node = hostOf(cache.nodeId);
    const [container] = await containersOn(node, 'cache');
    await testbed.exec(node, `docker kill ${container}`);
    await until('redis probe not ready', async () => !(await databases.probe(cache)).ready);
    await databases.waitUntilReady(cache, { intervalMs: 250 });
    expect(await redisCli(cachePort, host, 'get', 'greeting')).toBe('hello');
  });

  it('Redis: backup, overwrite, restore brings the snapshot back', async () => {
    const host = addressOf(cache.nodeId);
    const dump = await databases.backup(cache);
    const stored = await store.put(`${cache.databaseId}/1.${dump.extension}`, dump.stream);
    expect(stored.bytes).toBeGreaterThan(20);
    await redisCli(cachePort, host, 'set', 'greeting', 'changed');
    await redisCli(cachePort, host, 'set', 'later', 'yes');
    await databases.restore(cache, await store.get(stored.key), { registry });
    expect(await redisCli(cachePort, host, 'get', 'greeting')).toBe('hello');
    expect(await redisCli(cachePort, host, 'exists', 'later')).toBe('0');
    // The restored data is the append-only file now: it survives another kill.
    const node = hostOf(cache.nodeId);
    const [container] = await containersOn(node, 'cache');
    await testbed.exec(node, `docker kill ${container}`);
    await until('redis probe not ready', async () => !(await databases.probe(cache)).ready);
    await databases.waitUntilReady(cache, { intervalMs: 250 });
    expect(await redisCli(cachePort, host, 'get', 'greeting')).toBe('hello');
  });

  it('remove with keepVolume leaves the volume on its node; without, nothing is left', async () => {
    const volumes = async (nodeId: string) =>
      (await testbed.exec(hostOf(nodeId), 'docker volume ls -q')).stdout.trim().split('\n');

    expect(await databases.remove(copy, { keepVolume: true })).toMatchObject({
      removed: true,
      secrets: 1,
      volume: 'kept',
    });
    expect(await manager.service('orders-copy')).toBeNull();
    expect(await volumes(copy.nodeId)).toContain('orders-copy-data');

    const removed = await databases.remove(orders);
    expect(removed).toMatchObject({ removed: true, secrets: 1, networks: 0, volume: 'removed' });
    expect(await manager.service('orders-db')).toBeNull();
    expect(await containersOn(hostOf(orders.nodeId), 'orders-db')).toEqual([]);
    expect(await volumes(orders.nodeId)).not.toContain('orders-db-data');
    // The project's network stays while the cache still uses it, and goes with the last one.
    expect(await manager.networks({ name: [network] })).toHaveLength(1);
    expect(await databases.remove(cache)).toMatchObject({ networks: 1, volume: 'removed' });
    expect(await manager.networks({ name: [network] })).toEqual([]);
    expect(await manager.secrets({ label: ['dev.flotilla.managed=true'] })).toEqual([]);
    // A retried removal finds nothing left and says so.
    expect(await databases.remove(cache)).toMatchObject({
      removed: false,
      secrets: 0,
      networks: 0,
      volume: 'absent',
    });
  });
});
