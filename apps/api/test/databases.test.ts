// Managed databases through the plain HTTP API and the platform page's REST paths, against real
// Postgres: the rows and outbox jobs each request writes, the page's field names, validation
// naming the field, the password sealed and its reads audited, bindings refused across
// organizations and clusters, quotas. No worker runs here: jobs stay in the outbox (the servers'
// side is apps/worker/test/databases.test.ts).
import { managedDatabasePasswordContext } from '@flotilla/secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, registerUser, startApi } from './harness.ts';

let api: Harness;
let owner: Awaited<ReturnType<typeof registerUser>>;
let stranger: Awaited<ReturnType<typeof registerUser>>;
let clusterId: string;
let otherClusterId: string;
let registryServer: string;

async function newSwarm(user: typeof owner, name: string, host: string): Promise<string> {
  const key = await api.call('POST', '/api/sshKey.generate', {
    token: user.token,
    body: { organizationId: user.organizationId, name: `key-${name}` },
  });
  expect(key.status, JSON.stringify(key.body)).toBe(201);
  const cluster = await api.call('POST', '/api/cluster.create', {
    token: user.token,
    body: {
      organizationId: user.organizationId,
      name,
      provider: 'ssh',
      orchestrator: 'swarm',
      sshKeyId: key.body.result.data.id,
      nodes: [{ role: 'manager', host }],
    },
  });
  expect(cluster.status, JSON.stringify(cluster.body)).toBe(201);
  return cluster.body.result.data.id;
}

async function newApp(user: typeof owner, onCluster: string, extra: Record<string, unknown> = {}) {
  const reply = await api.call('POST', '/api/app.create', {
    token: user.token,
    body: {
      clusterId: onCluster,
      name: `app-${Math.random().toString(36).slice(2, 8)}`,
      sourceType: 'image',
      imageUrl: '10.201.250.1:5443/flotilla/http:v1',
      ...extra,
    },
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body.result.data.id as string;
}

async function newDatabase(body: Record<string, unknown> = {}) {
  const reply = await api.call('POST', '/api/v1/managed-databases', {
    token: owner.token,
    body: { cluster_id: clusterId, name: `db-${Math.random().toString(36).slice(2, 8)}`, ...body },
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body as { id: string; status: string; name: string };
}

const outboxJobs = (name: string) =>
  api.db.outboxJob.findMany({ where: { name }, orderBy: { id: 'asc' } });

beforeAll(async () => {
  api = await startApi();
  owner = await registerUser(api, 'databases');
  stranger = await registerUser(api, 'elsewhere');
  clusterId = await newSwarm(owner, 'db-one', '10.201.250.10');
  otherClusterId = await newSwarm(owner, 'db-two', '10.201.250.11');
  registryServer = '10.201.250.1:5443';
  const registry = await api.call('POST', '/api/registry.create', {
    token: owner.token,
    body: {
      organizationId: owner.organizationId,
      name: 'images',
      server: registryServer,
      makeDefault: true,
    },
  });
  expect(registry.status, JSON.stringify(registry.body)).toBe(201);
});
afterAll(() => api.close());

describe('managed databases over HTTP', () => {
  it('creates one at the page path with its field names, its job in the outbox', async () => {
    const reply = await api.call('POST', '/api/v1/managed-databases', {
      token: owner.token,
      body: { cluster_id: clusterId, name: 'my-postgres', engine: 'postgres', version: '15' },
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body).toMatchObject({
      cluster_id: clusterId,
      name: 'my-postgres',
      engine: 'postgres',
      version: '15',
      status: 'creating',
      connection_host: 'my-postgres',
      connection_port: 5432,
      connection_user: 'app',
      connection_database: 'app',
      app_id: null,
      published_port: null,
    });
    expect(Object.keys(reply.body).sort()).toEqual(
      [
        'id',
        'cluster_id',
        'project_id',
        'name',
        'engine',
        'version',
        'status',
        'status_reason',
        'connection_host',
        'connection_port',
        'connection_user',
        'connection_database',
        'published_port',
        'public_host',
        'node_id',
        'app_id',
        'created_at',
        'updated_at',
      ].sort(),
    );
    const jobs = await outboxJobs('createDatabase');
    expect(jobs.map((job) => job.payload)).toContainEqual({
      clusterId,
      databaseId: reply.body.id,
    });
    const row = await api.db.managedDatabase.findUniqueOrThrow({ where: { id: reply.body.id } });
    // The image from the organization's registry; the password sealed, bound to this row.
    expect(row.image).toBe(`${registryServer}/postgres:15`);
    const password = api.services.sealer.open(
      row.passwordEncrypted,
      managedDatabasePasswordContext(row.id),
    );
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(row.passwordEncrypted).not.toContain(password);
    expect(JSON.stringify(reply.body)).not.toContain(password);

    const one = await api.call('GET', `/api/v1/managed-databases/${row.id}`, {
      token: owner.token,
    });
    expect(one.status).toBe(200);
    expect(one.body).toEqual(reply.body);
    const list = await api.call('GET', '/api/v1/managed-databases', { token: owner.token });
    expect(list.status).toBe(200);
    expect(list.body.map((d: { id: string }) => d.id)).toContain(row.id);
    expect(JSON.stringify(list.body)).not.toContain(password);
  });

  it('defaults to the catalog: postgres at its first version; redis has no user', async () => {
    const engines = await api.call('GET', '/api/database.engines', { token: owner.token });
    expect(engines.body.result.data).toEqual([
      expect.objectContaining({ engine: 'postgres', versions: ['15'], defaultVersion: '15' }),
      expect.objectContaining({ engine: 'redis', versions: ['7'], defaultVersion: '7' }),
    ]);
    const plain = await newDatabase();
    expect(plain).toMatchObject({ engine: 'postgres', version: '15' });
    const redis = await newDatabase({ engine: 'redis' });
    expect(redis).toMatchObject({
      engine: 'redis',
      version: '7',
      connection_port: 6379,
      connection_user: null,
      connection_database: null,
    });
  });

  it('refuses an unknown engine or version, naming it, and writes nothing', async () => {
    const before = await api.db.managedDatabase.count();
    const engine = await api.call('POST', '/api/v1/managed-databases', {
      token: owner.token,
      body: { cluster_id: clusterId, name: 'x', engine: 'mysql' },
    });
    expect(engine.status).toBe(400);
    expect(engine.body.error.issues[0].path).toBe('engine');
    const version = await api.call('POST', '/api/v1/managed-databases', {
      token: owner.token,
      body: { cluster_id: clusterId, name: 'x', engine: 'postgres', version: '16' },
    });
    expect(version.status).toBe(400);
    expect(version.body.error.issues[0]).toEqual({
      path: 'version',
      message: 'postgres 16 is not offered; versions: 15',
    });
    expect(await api.db.managedDatabase.count()).toBe(before);
  });

  it('claims a published port among the apps: a taken one is refused before deploying', async () => {
    await newApp(owner, clusterId, { port: 80, publishedPort: 31100 });
    const taken = await api.call('POST', '/api/v1/managed-databases', {
      token: owner.token,
      body: { cluster_id: clusterId, name: 'published', published_port: 31100 },
    });
    expect(taken.status).toBe(400);
    expect(taken.body.error.issues[0].path).toBe('published_port');
    expect(taken.body.error.issues[0].message).toMatch(/already published .* by app/);
    const free = await newDatabase({ published_port: 31101 });
    expect(free).toMatchObject({ published_port: 31101 });
    // …and an app asking for the database's port is refused in turn.
    const app = await api.call('POST', '/api/app.create', {
      token: owner.token,
      body: {
        clusterId,
        name: 'wants-31101',
        sourceType: 'image',
        imageUrl: 'nginx:1.27',
        port: 80,
        publishedPort: 31101,
      },
    });
    expect(app.status).toBe(400);
    expect(app.body.error.issues[0].path).toBe('publishedPort');
  });

  it('binds an app of its cluster: pending until ready, then the bind job', async () => {
    const database = await newDatabase();
    const appId = await newApp(owner, clusterId);
    const bound = await api.call('POST', `/api/v1/managed-databases/${database.id}/bind`, {
      token: owner.token,
      body: { app_id: appId },
    });
    expect(bound.status, JSON.stringify(bound.body)).toBe(200);
    expect(bound.body).toMatchObject({ id: database.id, app_id: appId });
    // Still creating: its create job queues the binding once the database is ready.
    const binding = await api.db.databaseBinding.findUniqueOrThrow({
      where: { databaseId: database.id },
    });
    expect(binding.status).toBe('pending');
    expect((await outboxJobs('bindDatabase')).map((j) => j.payload)).not.toContainEqual(
      expect.objectContaining({ bindingId: binding.id }),
    );
    // Asked again for the same app: nothing new.
    const again = await api.call('POST', `/api/v1/managed-databases/${database.id}/bind`, {
      token: owner.token,
      body: { app_id: appId },
    });
    expect(again.status).toBe(200);

    const ready = await newDatabase();
    await api.db.managedDatabase.update({ where: { id: ready.id }, data: { status: 'ready' } });
    const redisApp = await newApp(owner, clusterId);
    const now = await api.call('POST', '/api/database.bind', {
      token: owner.token,
      body: { databaseId: ready.id, appId: redisApp },
    });
    expect(now.status).toBe(200);
    const readyBinding = await api.db.databaseBinding.findUniqueOrThrow({
      where: { databaseId: ready.id },
    });
    expect((await outboxJobs('bindDatabase')).map((j) => j.payload)).toContainEqual({
      clusterId,
      databaseId: ready.id,
      bindingId: readyBinding.id,
    });
  });

  it('refuses an app of another organization, another cluster, or one already bound, naming the field', async () => {
    const database = await newDatabase();
    const strangerCluster = await newSwarm(stranger, 'theirs', '10.201.250.12');
    const theirApp = await newApp(stranger, strangerCluster);
    const foreign = await api.call('POST', `/api/v1/managed-databases/${database.id}/bind`, {
      token: owner.token,
      body: { app_id: theirApp },
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.issues[0].path).toBe('app_id');
    // Nothing of the other organization's app is told.
    expect(JSON.stringify(foreign.body)).not.toContain('theirs');

    const elsewhere = await newApp(owner, otherClusterId);
    const otherCluster = await api.call('POST', `/api/v1/managed-databases/${database.id}/bind`, {
      token: owner.token,
      body: { app_id: elsewhere },
    });
    expect(otherCluster.status).toBe(400);
    expect(otherCluster.body.error.issues[0].path).toBe('app_id');
    expect(otherCluster.body.error.issues[0].message).toMatch(/another cluster/);

    const first = await newApp(owner, clusterId);
    const second = await newApp(owner, clusterId);
    const ok = await api.call('POST', '/api/database.bind', {
      token: owner.token,
      body: { databaseId: database.id, appId: first },
    });
    expect(ok.status).toBe(200);
    const taken = await api.call('POST', `/api/v1/managed-databases/${database.id}/bind`, {
      token: owner.token,
      body: { app_id: second },
    });
    expect(taken.status).toBe(400);
    expect(taken.body.error.issues[0].path).toBe('id');
    expect(taken.body.error.issues[0].message).toMatch(/already bound to app/);
    const overTrpcPath = await api.call('POST', '/api/database.bind', {
      token: owner.token,
      body: { databaseId: database.id, appId: second },
    });
    expect(overTrpcPath.body.error.issues[0].path).toBe('databaseId');

    // A second postgres database for the same app would overwrite its DATABASE_URL.
    const another = await newDatabase();
    const twice = await api.call('POST', '/api/database.bind', {
      token: owner.token,
      body: { databaseId: another.id, appId: first },
    });
    expect(twice.status).toBe(400);
    expect(twice.body.error.issues[0]).toMatchObject({ path: 'appId' });
    expect(twice.body.error.issues[0].message).toMatch(/already bound to postgres database/);
    // So would a value the user set.
    const ownUrl = await newApp(owner, clusterId, { secretEnv: { DATABASE_URL: 'postgres://x' } });
    const clash = await api.call('POST', '/api/database.bind', {
      token: owner.token,
      body: { databaseId: another.id, appId: ownUrl },
    });
    expect(clash.status).toBe(400);
    expect(clash.body.error.issues[0].message).toMatch(/already sets DATABASE_URL/);

    // Removing a bound database is refused until it is unbound; a pending binding just goes.
    const removal = await api.call('DELETE', `/api/v1/managed-databases/${database.id}`, {
      token: owner.token,
    });
    expect(removal.status).toBe(409);
    const unbound = await api.call('POST', `/api/v1/managed-databases/${database.id}/unbind`, {
      token: owner.token,
    });
    expect(unbound.status).toBe(200);
    expect(unbound.body.app_id).toBeNull();
    const removed = await api.call('DELETE', `/api/v1/managed-databases/${database.id}`, {
      token: owner.token,
    });
    expect(removed.status).toBe(204);
    const row = await api.db.managedDatabase.findUniqueOrThrow({ where: { id: database.id } });
    expect(row.status).toBe('deleting');
    expect((await outboxJobs('removeDatabase')).map((j) => j.payload)).toContainEqual(
      expect.objectContaining({ databaseId: database.id }),
    );
  });

  it('gives the password to those who may manage it, and audits each read', async () => {
    const database = await newDatabase({ published_port: 31102 });
    await api.db.managedDatabase.update({
      where: { id: database.id },
      data: { status: 'ready', publicHost: '10.201.250.10' },
    });
    const reply = await api.call('GET', '/api/database.credentials', {
      token: owner.token,
      query: { databaseId: database.id },
    });
    expect(reply.status).toBe(200);
    const credentials = reply.body.result.data;
    const service = database.name;
    expect(credentials).toMatchObject({
      engine: 'postgres',
      user: 'app',
      database: 'app',
      internal: { host: service, port: 5432 },
      public: { host: '10.201.250.10', port: 31102 },
    });
    expect(credentials.internal.url).toBe(
      `postgresql://app:${credentials.password}@${service}:5432/app`,
    );
    expect(credentials.env).toEqual({
      DATABASE_URL: credentials.internal.url,
      PGHOST: service,
      PGPORT: '5432',
      PGUSER: 'app',
      PGPASSWORD: credentials.password,
      PGDATABASE: 'app',
    });
    const audit = await api.db.auditLog.findFirst({
      where: { action: 'database.credentials', targetId: database.id },
    });
    expect(audit?.outcome).toBe('success');
    expect(JSON.stringify(audit?.metadata)).not.toContain(credentials.password);
  });

  it('backs up a ready database, and restores into itself or into a new one', async () => {
    const database = await newDatabase();
    const early = await api.call('POST', '/api/database.backup', {
      token: owner.token,
      body: { databaseId: database.id },
    });
    expect(early.status).toBe(409);
    await api.db.managedDatabase.update({ where: { id: database.id }, data: { status: 'ready' } });
    const backup = await api.call('POST', '/api/database.backup', {
      token: owner.token,
      body: { databaseId: database.id },
    });
    expect(backup.status).toBe(201);
    const backupId = backup.body.result.data.id as string;
    expect((await outboxJobs('backupDatabase')).map((j) => j.payload)).toContainEqual({
      clusterId,
      databaseId: database.id,
      backupId,
    });
    const unfinished = await api.call('POST', '/api/database.restore', {
      token: owner.token,
      body: { databaseId: database.id, backupId },
    });
    expect(unfinished.status).toBe(400);
    expect(unfinished.body.error.issues[0].path).toBe('backupId');
    await api.db.databaseBackup.update({
      where: { id: backupId },
      data: { status: 'succeeded', location: `${database.id}/${backupId}.dump` },
    });
    const same = await api.call('POST', '/api/database.restore', {
      token: owner.token,
      body: { databaseId: database.id, backupId },
    });
    expect(same.status, JSON.stringify(same.body)).toBe(201);
    expect(same.body.result.data.restore).toMatchObject({
      databaseId: database.id,
      status: 'queued',
    });
    expect((await outboxJobs('restoreDatabase')).map((j) => j.payload)).toContainEqual({
      clusterId,
      databaseId: database.id,
      restoreId: same.body.result.data.restore.id,
    });
    // Into a new database: created like database.create, restored once it is ready.
    const fresh = await api.call('POST', '/api/database.restore', {
      token: owner.token,
      body: { databaseId: database.id, backupId, newDatabase: { name: 'restored-copy' } },
    });
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(201);
    const copy = fresh.body.result.data.database;
    expect(copy).toMatchObject({ name: 'restored-copy', status: 'creating', engine: 'postgres' });
    expect((await outboxJobs('restoreDatabase')).map((j) => j.payload)).not.toContainEqual(
      expect.objectContaining({ databaseId: copy.id }),
    );
    const redis = await newDatabase({ engine: 'redis' });
    const wrongEngine = await api.call('POST', '/api/database.restore', {
      token: owner.token,
      body: { databaseId: database.id, backupId, targetDatabaseId: redis.id },
    });
    expect(wrongEngine.status).toBe(400);
    expect(wrongEngine.body.error.issues[0].path).toBe('targetDatabaseId');
    const listed = await api.call('GET', '/api/database.backups', {
      token: owner.token,
      query: { databaseId: database.id },
    });
    expect(listed.body.result.data.backups.map((b: { id: string }) => b.id)).toEqual([backupId]);
    expect(listed.body.result.data.restores).toHaveLength(1);
  });

  it('refuses to remove the node a database is pinned to: its data lives there', async () => {
    const database = await newDatabase();
    const worker = await api.call('POST', '/api/cluster.addNode', {
      token: owner.token,
      body: { clusterId, role: 'worker', host: '10.201.250.20' },
    });
    expect(worker.status, JSON.stringify(worker.body)).toBe(201);
    const workerId = worker.body.result.data.id as string;
    // As the create job stores it, before deploying.
    await api.db.managedDatabase.update({
      where: { id: database.id },
      data: { nodeId: workerId, orchestratorNodeId: 'swarmnode1' },
    });
    const refused = await api.call('DELETE', '/api/cluster.removeNode', {
      token: owner.token,
      body: { clusterId, nodeId: workerId },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain(`database(s) ${database.name}`);
    const node = await api.db.node.findUniqueOrThrow({ where: { id: workerId } });
    expect(node.status).not.toBe('deleting');
  });

  it('counts databases against the organization quota', async () => {
    const used = await api.db.managedDatabase.count({
      where: { organizationId: owner.organizationId },
    });
    const set = await api.call('POST', '/api/quota.set', {
      token: owner.token,
      body: { organizationId: owner.organizationId, kind: 'databases', limit: used },
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const quota = await api.call('GET', '/api/quota.get', {
      token: owner.token,
      query: { organizationId: owner.organizationId },
    });
    expect(
      quota.body.result.data.quotas.find((q: { kind: string }) => q.kind === 'databases'),
    ).toMatchObject({ used, limit: used });
    const refused = await api.call('POST', '/api/v1/managed-databases', {
      token: owner.token,
      body: { cluster_id: clusterId, name: 'one-too-many' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.quota).toEqual({
      kind: 'databases',
      limit: used,
      used,
      requested: 1,
    });
  });
});
