// The platform page over HTTP, without servers (issue 17): templates resolved and instantiated
// through the procedures a user calls, nodes in the page's status vocabulary and their drain
// requests, platform numbers and the public configuration. What happens on real servers (a
// drained node gets no new task, a template serves) is proven in apps/worker/test/platform.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, registerUser, startApi, storeCloudCredentials } from './harness.ts';

let api: Harness;
let owner: Awaited<ReturnType<typeof registerUser>>;
let clusterId: string;
let nodeIds: string[];

async function createCluster(name: string) {
  const reply = await api.call('POST', '/api/cluster.create', {
    token: owner.token,
    body: {
      organizationId: owner.organizationId,
      name,
      provider: 'digitalocean',
      region: 'ams3',
      orchestrator: 'swarm',
      nodes: [
        { role: 'manager', plan: 'small', count: 1 },
        { role: 'worker', plan: 'small', count: 2 },
      ],
    },
  });
  if (reply.status !== 201) throw new Error(`cluster.create: ${JSON.stringify(reply.body)}`);
  return reply.body.result.data as { id: string; nodes: { id: string }[] };
}

/** The nodes as the worker leaves them once they joined (no worker runs here). */
async function joined(ids: string[]) {
  for (const id of ids) {
    await api.db.node.update({
      where: { id },
      data: { status: 'running', orchestratorNodeId: `m${id}`.slice(0, 25) },
    });
  }
}

beforeAll(async () => {
  api = await startApi();
  owner = await registerUser(api, 'platform');
  await storeCloudCredentials(api, owner);
  const cluster = await createCluster('plat');
  clusterId = cluster.id;
  nodeIds = cluster.nodes.map((n) => n.id);
  // The organization's default registry: where templates' images come from (no
  // FLOTILLA_TEMPLATE_REGISTRY in this API's configuration).
  const registry = await api.call('POST', '/api/registry.create', {
    token: owner.token,
    body: {
      organizationId: owner.organizationId,
      name: 'org',
      server: '10.201.250.1:5443',
      makeDefault: true,
    },
  });
  expect(registry.status, JSON.stringify(registry.body)).toBe(201);
});
afterAll(() => api.close());

describe('templates', () => {
  it('lists the shipped templates with what each creates, at the page’s path too', async () => {
    const reply = await api.call('GET', '/api/template.all', { token: owner.token });
    expect(reply.status).toBe(200);
    const list = reply.body.result.data as { id: string; creates: unknown }[];
    expect(Object.fromEntries(list.map((t) => [t.id, t.creates]))).toEqual({
      'app-postgres': { apps: 1, databases: ['postgres'] },
      'redis-cache': { apps: 1, databases: ['redis'] },
      'static-site': { apps: 1, databases: [] },
    });
    const rest = await api.call('GET', '/api/v1/templates', { token: owner.token });
    expect(rest.body).toEqual(list);
  });

  it('fills the registry default from the organization’s default registry', async () => {
    const reply = await api.call('GET', '/api/v1/templates/static-site', { token: owner.token });
    expect(reply.status).toBe(200);
    const variables = reply.body.variables as { id: string; default?: unknown }[];
    expect(variables[0]).toMatchObject({ id: 'registry', default: '10.201.250.1:5443' });
    expect(variables.map((v) => v.id)).toEqual(
      expect.arrayContaining(['name', 'title', 'message', 'public_port', 'replicas']),
    );
    const unknown = await api.call('GET', '/api/v1/templates/no-such', { token: owner.token });
    expect(unknown.status).toBe(404);
  });

  it('instantiates the static site through app.create, as the caller, audited', async () => {
    const reply = await api.call('POST', '/api/v1/templates/static-site/instantiate', {
      token: owner.token,
      body: { cluster_id: clusterId, name: 'hello', title: 'Hi <there>' },
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    const result = reply.body;
    expect(result).toMatchObject({ template_id: 'static-site', cluster_id: clusterId });
    const [app] = result.apps;
    expect(app).toMatchObject({
      name: 'hello',
      image_url: '10.201.250.1:5443/echo:1',
      port: 80,
      replicas: 1,
      env: { PAGE_TITLE: 'Hi <there>' },
      status: 'created',
    });
    expect(app.command.slice(0, 3)).toEqual(['/bin/busybox', 'sh', '-c']);
    // A random port below Swarm's own range, held for the app like any published port.
    expect(app.published_port).toBeGreaterThanOrEqual(20_000);
    expect(app.published_port).toBeLessThan(30_000);
    const held = await api.db.publishedPort.findFirst({ where: { appId: app.id } });
    expect(held?.port).toBe(app.published_port);
    // app.create's own deployment is queued, and both calls are in the audit log as the owner.
    expect(await api.db.deployment.count({ where: { appId: app.id } })).toBe(1);
    const audit = await api.db.auditLog.findMany({
      where: { actorId: owner.userId, action: { in: ['app.create', 'template.instantiate'] } },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((a) => [a.action, a.outcome])).toEqual([
      ['app.create', 'success'],
      ['template.instantiate', 'success'],
    ]);
    expect(audit[1]?.targetId).toBe('static-site');
  });

  it('refuses a parameter that breaks its rule, naming parameters.<id>, and makes nothing', async () => {
    const before = await api.db.app.count();
    const reply = await api.call('POST', '/api/v1/templates/static-site/instantiate', {
      token: owner.token,
      body: { cluster_id: clusterId, parameters: { name: 'Not OK', public_port: 80 } },
    });
    expect(reply.status).toBe(400);
    const paths = reply.body.error.issues.map((i: { path: string }) => i.path).sort();
    expect(paths).toEqual(['parameters.name', 'parameters.public_port']);
    expect(reply.body.error.message).toMatch(/lower-case letters, digits and dashes/);
    expect(await api.db.app.count()).toBe(before);
  });

  it('seals generated secrets in the app and leaves them out of the answer', async () => {
    const reply = await api.call('POST', '/api/template.instantiate', {
      token: owner.token,
      body: { templateId: 'app-postgres', clusterId, parameters: { name: 'shop' } },
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    const result = reply.body.result.data;
    expect(result.parameters.secret_key).toBeUndefined();
    expect(result.parameters.name).toBe('shop');
    const [app] = result.apps;
    expect(app.env.SECRET_KEY).toBeUndefined();
    expect(app.secretEnvNames).toContain('SECRET_KEY');
    const [database] = result.databases;
    expect(database).toMatchObject({ name: 'shop-db', engine: 'postgres', appId: app.id });
    expect(result.bindings).toEqual([{ appId: app.id, databaseId: database.id }]);
    const row = await api.db.app.findUniqueOrThrow({ where: { id: app.id } });
    expect(JSON.stringify(row)).not.toMatch(/"SECRET_KEY":"[0-9a-f]{64}"/);
  });

  it('takes back what it made when a later part is refused', async () => {
    // The app's name is taken: database.create succeeds, app.create answers 409.
    const reply = await api.call('POST', '/api/template.instantiate', {
      token: owner.token,
      body: { templateId: 'redis-cache', clusterId, parameters: { name: 'hello' } },
    });
    expect(reply.status).toBe(409);
    expect(reply.body.error.message).toMatch(/hello/);
    // The database was made, then removed through database.remove (on its way out: its job
    // removes the rest), each step in the audit log as the caller.
    const steps = await api.db.auditLog.findMany({
      where: { actorId: owner.userId, action: { in: ['database.create', 'database.remove'] } },
      orderBy: { id: 'asc' },
    });
    expect(steps.map((a) => [a.action, a.outcome])).toEqual([
      ['database.create', 'success'],
      ['database.create', 'success'],
      ['database.remove', 'success'],
    ]);
    const database = await api.db.managedDatabase.findFirst({ where: { name: 'hello-cache' } });
    expect(database?.status ?? 'gone').toMatch(/^(deleting|gone)$/);
    expect(steps[2]?.targetId).toBe(steps[1]?.targetId);
  });
});

describe('nodes', () => {
  it('lists nodes in the page’s vocabulary, by cluster or all the caller may see', async () => {
    const other = await createCluster('plat-other');
    const all = await api.call('GET', '/api/v1/nodes', { token: owner.token });
    expect(all.status).toBe(200);
    expect(all.headers.get('x-total-count')).toBe('6');
    const mine = await api.call('GET', '/api/v1/nodes', {
      token: owner.token,
      query: { cluster_id: other.id },
    });
    expect(mine.body.map((n: { id: string }) => n.id)).toEqual(other.nodes.map((n) => n.id));
    expect(mine.body[0]).toMatchObject({
      cluster_id: other.id,
      status: 'not_ready',
      availability: 'active',
      availability_pending: false,
    });
    const stranger = await registerUser(api, 'plat-stranger');
    const none = await api.call('GET', '/api/v1/nodes', { token: stranger.token });
    expect(none.body).toEqual([]);
    const hidden = await api.call('GET', `/api/v1/nodes/${nodeIds[0]}`, { token: stranger.token });
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.message).toBe('Node not found');
  });

  it('refuses to drain a node that has not joined', async () => {
    const reply = await api.call('POST', `/api/v1/nodes/${nodeIds[1]}/drain`, {
      token: owner.token,
    });
    expect(reply.status).toBe(409);
    expect(reply.body.error.message).toMatch(/has not joined/);
  });

  it('drains a joined node: draining at once, one job, asked again nothing more', async () => {
    await joined(nodeIds);
    const id = nodeIds[1] as string;
    const ready = await api.call('GET', `/api/v1/nodes/${id}`, { token: owner.token });
    expect(ready.body).toMatchObject({ status: 'ready', availability: 'active' });
    const drained = await api.call('POST', `/api/v1/nodes/${id}/drain`, { token: owner.token });
    expect(drained.status).toBe(200);
    expect(drained.body).toMatchObject({
      id,
      status: 'draining',
      availability: 'pause',
      availability_pending: true,
    });
    const again = await api.call('POST', '/api/cluster.drainNode', {
      token: owner.token,
      body: { clusterId, nodeId: id },
    });
    expect(again.body.result.data).toMatchObject({ state: 'draining', availability: 'pause' });
    const jobs = await api.db.outboxJob.findMany({ where: { name: 'setNodeAvailability' } });
    expect(jobs.map((j) => j.payload)).toEqual([{ clusterId, nodeId: id, generation: 1 }]);
    // What the servers report once the job ran (the job writes it): still draining, settled.
    await api.db.node.update({
      where: { id },
      data: { availabilityApplied: 1, reportedAvailability: 'pause' },
    });
    const settled = await api.call('GET', `/api/v1/nodes/${id}`, { token: owner.token });
    expect(settled.body).toMatchObject({ status: 'draining', availability_pending: false });
    const activated = await api.call('POST', `/api/v1/nodes/${id}/activate`, {
      token: owner.token,
    });
    expect(activated.body).toMatchObject({ status: 'ready', availability: 'active' });
    expect(await api.db.outboxJob.count({ where: { name: 'setNodeAvailability' } })).toBe(2);
  });

  it('refuses to evacuate the only node that takes work', async () => {
    const cluster = await createCluster('plat-solo');
    await joined(cluster.nodes.map((n) => n.id));
    const [a, b, c] = cluster.nodes.map((n) => n.id) as [string, string, string];
    for (const id of [a, b]) {
      await api.call('POST', `/api/v1/nodes/${id}/drain`, { token: owner.token });
    }
    const refused = await api.call('POST', `/api/v1/nodes/${c}/evacuate`, { token: owner.token });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/nowhere to go/);
    const moved = await api.call('POST', `/api/v1/nodes/${a}/evacuate`, { token: owner.token });
    expect(moved.body).toMatchObject({ status: 'draining', availability: 'drain' });
  });
});

describe('platform numbers and configuration', () => {
  it('counts what the caller’s organizations have; tasks it could not count are said so', async () => {
    const reply = await api.call('GET', '/api/platform.stats', { token: owner.token });
    expect(reply.status).toBe(200);
    const stats = reply.body.result.data;
    const clusters = await api.db.cluster.count({
      where: { organizationId: owner.organizationId },
    });
    expect(stats).toMatchObject({
      clusters,
      apps: await api.db.app.count({ where: { organizationId: owner.organizationId } }),
      deployments: await api.db.deployment.count({
        where: { app: { organizationId: owner.organizationId } },
      }),
      databases: await api.db.managedDatabase.count({
        where: { organizationId: owner.organizationId },
      }),
      // No manager of these clusters answers: nothing counted, every cluster uncounted.
      runningTasks: 0,
      uncountedClusters: clusters,
    });
    expect(stats.nodes.total).toBe(clusters * 3);
    expect(stats.nodes.ready + stats.nodes.draining + stats.nodes.notReady).toBe(clusters * 3);
    const rest = await api.call('GET', '/api/v1/stats', { token: owner.token });
    expect(rest.body).toMatchObject({
      clusters,
      nodes: clusters * 3,
      apps: stats.apps,
      running_tasks: 0,
      nodes_by_status: { draining: stats.nodes.draining },
    });
    const stranger = await registerUser(api, 'plat-empty');
    const empty = await api.call('GET', '/api/v1/stats', { token: stranger.token });
    expect(empty.body).toMatchObject({ clusters: 0, nodes: 0, apps: 0, running_tasks: 0 });
  });

  it('tells anyone what this instance offers, without a token', async () => {
    const reply = await api.call('GET', '/api/v1/platform/config');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      open_signup: true,
      orchestrators: ['swarm', 'kubernetes'],
      app_publish_mode: 'ingress',
      features: { templates: true, managed_databases: true, node_drain: true },
    });
    expect(reply.body.providers.map((p: { id: string }) => p.id)).toEqual([
      'digitalocean',
      'hetzner',
      'aws',
      'ssh',
    ]);
    expect(typeof reply.body.version).toBe('string');
  });

  it('lists clusters in the page’s shape: type, node count, running tasks', async () => {
    const reply = await api.call('GET', '/api/v1/clusters', { token: owner.token });
    expect(reply.status).toBe(200);
    const plat = reply.body.find((c: { id: string }) => c.id === clusterId);
    expect(plat).toMatchObject({ type: 'managed', node_count: 3, running_tasks: null });
  });
});
