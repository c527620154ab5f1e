// The cluster-admin page over HTTP: its paths and field names, who may call it (instance
// administrators in a dashboard session, never an API token, never an organization owner as
// such), its audit events, and instance administrators granted and revoked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, registerUser, startApi, storeCloudCredentials } from './harness.ts';

let api: Harness;
let root: Awaited<ReturnType<typeof registerUser>>;
let owner: Awaited<ReturnType<typeof registerUser>>;
let clusterId: string;
let appId: string;

/** A control-plane process as it registers itself (the harness runs none). */
async function processRow(name: string, role: 'api' | 'worker', online = true) {
  const now = Date.now();
  await api.db.controlPlaneNode.create({
    data: {
      name,
      role,
      url: role === 'api' ? `http://${name}.internal:3000` : null,
      tags: role === 'worker' ? ['eu', 'private'] : [],
      version: '0.1.0',
      hostname: `${name}.internal`,
      pid: 4242,
      instanceId: `${name}-${role}`,
      startedAt: new Date(now - 60_000),
      lastHeartbeatAt: new Date(online ? now : now - 60_000),
      heartbeatMs: 10_000,
      onlineUntil: new Date(online ? now + 30_000 : now - 30_000),
    },
  });
}

beforeAll(async () => {
  api = await startApi();
  // The first user of the instance administers it.
  root = await registerUser(api, 'root');
  owner = await registerUser(api, 'owner');
  await storeCloudCredentials(api, owner);
  const cluster = await api.call('POST', '/api/cluster.create', {
    token: owner.token,
    body: {
      organizationId: owner.organizationId,
      name: 'private-dc',
      provider: 'digitalocean',
      region: 'ams3',
      orchestrator: 'swarm',
      nodes: [{ role: 'manager', plan: 'small', count: 1 }],
    },
  });
  clusterId = cluster.body.result.data.id;
  const app = await api.call('POST', '/api/app.create', {
    token: owner.token,
    body: { clusterId, name: 'web', sourceType: 'image', imageUrl: 'nginx:1.27' },
  });
  expect(app.status, JSON.stringify(app.body)).toBe(201);
  appId = app.body.result.data.id;
  await processRow('alpha', 'worker');
  await processRow('alpha', 'api');
  await processRow('beta', 'worker');
  await processRow('gamma', 'worker', false);
  await processRow('frontdoor', 'api');
});
afterAll(() => api.close());

describe('the cluster-admin page', () => {
  it('lists every API and worker process with its status, as the page names the fields', async () => {
    const reply = await api.call('GET', '/api/cluster/overview', { token: root.token });
    expect(reply.status).toBe(200);
    const { nodes, defaultNodeName, assignments } = reply.body;
    // Unpinned jobs go to the shared queues: there is no single default node.
    expect(defaultNodeName).toBeNull();
    expect(assignments).toEqual([]);
    expect(nodes.map((n: { name: string; role: string }) => `${n.name}/${n.role}`)).toEqual([
      'alpha/api',
      'alpha/worker',
      'beta/worker',
      'frontdoor/api',
      'gamma/worker',
    ]);
    const beta = nodes.find((n: { name: string }) => n.name === 'beta');
    expect(beta).toMatchObject({
      role: 'worker',
      url: null,
      tags: ['eu', 'private'],
      status: 'online',
      version: '0.1.0',
      hostname: 'beta.internal',
      pid: 4242,
    });
    expect(Date.parse(beta.lastHeartbeatAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(beta.startedAt)).toBeLessThan(Date.parse(beta.lastHeartbeatAt));
    expect(nodes.find((n: { name: string }) => n.name === 'gamma').status).toBe('offline');
    // The procedure answers the same body inside the envelope.
    const envelope = await api.call('GET', '/api/controlPlane.overview', { token: root.token });
    expect(envelope.body.result.data).toEqual(reply.body);
  });

  it('pins a cluster to a worker, strict by default, and records cluster.assignment.set', async () => {
    const reply = await api.call('PUT', `/api/cluster/assignments/cluster/${clusterId}`, {
      token: root.token,
      body: { nodeName: 'beta' },
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.assignment).toMatchObject({
      entityType: 'cluster',
      entityId: clusterId,
      nodeName: 'beta',
      mode: 'strict',
      updatedBy: root.userId,
    });
    const changed = await api.call('PUT', `/api/cluster/assignments/cluster/${clusterId}`, {
      token: root.token,
      body: { nodeName: 'alpha', mode: 'preferred' },
    });
    expect(changed.body.assignment).toMatchObject({ nodeName: 'alpha', mode: 'preferred' });
    // Both nodes' queues may hold jobs from now on, and are searched when jobs move.
    const pinned = await api.db.controlPlaneNode.findMany({
      where: { pinnedAt: { not: null } },
      select: { name: true, role: true },
      orderBy: { name: 'asc' },
    });
    expect(pinned).toEqual([
      { name: 'alpha', role: 'worker' },
      { name: 'beta', role: 'worker' },
    ]);

    const audit = await api.db.auditLog.findMany({
      where: { action: 'cluster.assignment.set' },
      orderBy: { id: 'asc' },
    });
    expect(audit).toHaveLength(2);
    expect(audit[0]).toMatchObject({
      outcome: 'success',
      actorId: root.userId,
      organizationId: owner.organizationId,
      targetType: 'cluster',
      targetId: clusterId,
    });
    expect(audit[1]?.metadata).toEqual({ details: 'Pinned to alpha (preferred)' });
  });

  it("shows every cluster and app with its binding; an app follows its cluster's pin", async () => {
    const reply = await api.call('GET', '/api/cluster/instances', { token: root.token });
    expect(reply.status).toBe(200);
    const { instances } = reply.body;
    const organization = await api.db.organization.findUniqueOrThrow({
      where: { id: owner.organizationId },
    });
    expect(instances.find((i: { entityId: string }) => i.entityId === clusterId)).toEqual({
      entityType: 'cluster',
      entityId: clusterId,
      name: 'private-dc',
      subtitle: 'swarm · digitalocean ams3',
      tenantId: owner.organizationId,
      tenantSlug: organization.slug,
      projectId: null,
      nodeName: 'alpha',
      mode: 'preferred',
      explicit: true,
    });
    expect(instances.find((i: { entityId: string }) => i.entityId === appId)).toMatchObject({
      entityType: 'app',
      name: 'web',
      nodeName: 'alpha',
      mode: 'preferred',
      explicit: false,
    });

    await api.call('PUT', `/api/cluster/assignments/app/${appId}`, {
      token: root.token,
      body: { nodeName: 'beta', mode: 'strict' },
    });
    const again = await api.call('GET', '/api/cluster/instances', { token: root.token });
    expect(
      again.body.instances.find((i: { entityId: string }) => i.entityId === appId),
    ).toMatchObject({ nodeName: 'beta', mode: 'strict', explicit: true });
  });

  it('deletes an assignment, says whether there was one, and records cluster.assignment.delete', async () => {
    const first = await api.call('DELETE', `/api/cluster/assignments/app/${appId}`, {
      token: root.token,
    });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ removed: true });
    const second = await api.call('DELETE', `/api/cluster/assignments/app/${appId}`, {
      token: root.token,
    });
    expect(second.body).toEqual({ removed: false });
    const audit = await api.db.auditLog.count({
      where: { action: 'cluster.assignment.delete', outcome: 'success', targetId: appId },
    });
    expect(audit).toBe(2);
  });

  it('refuses what it cannot route: an unknown entity type, a node without a worker, a missing entity', async () => {
    const wrongType = await api.call('PUT', `/api/cluster/assignments/browser/${clusterId}`, {
      token: root.token,
      body: { nodeName: 'beta' },
    });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.issues[0].path).toBe('entityType');
    const noName = await api.call('PUT', `/api/cluster/assignments/cluster/${clusterId}`, {
      token: root.token,
      body: {},
    });
    expect(noName.status).toBe(400);
    expect(noName.body.error.issues[0].path).toBe('nodeName');
    const unknown = await api.call('PUT', `/api/cluster/assignments/cluster/${clusterId}`, {
      token: root.token,
      body: { nodeName: 'delta' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.issues[0]).toMatchObject({ path: 'nodeName' });
    expect(unknown.body.error.issues[0].message).toContain('delta');
    const apiOnly = await api.call('PUT', `/api/cluster/assignments/cluster/${clusterId}`, {
      token: root.token,
      body: { nodeName: 'frontdoor' },
    });
    expect(apiOnly.status).toBe(400);
    expect(apiOnly.body.error.issues[0].message).toContain('runs no worker');
    const missing = await api.call('PUT', '/api/cluster/assignments/cluster/cls_gone', {
      token: root.token,
      body: { nodeName: 'beta' },
    });
    expect(missing.status).toBe(404);
  });
});

describe('who may', () => {
  const everyCall = () =>
    [
      ['GET', '/api/cluster/overview', undefined],
      ['GET', '/api/cluster/instances', undefined],
      ['PUT', `/api/cluster/assignments/cluster/${clusterId}`, { nodeName: 'beta' }],
      ['DELETE', `/api/cluster/assignments/cluster/${clusterId}`, undefined],
    ] as const;

  it('refuses an organization owner who is not an instance administrator (403)', async () => {
    for (const [method, path, body] of everyCall()) {
      const reply = await api.call(method, path, {
        token: owner.token,
        ...(body ? { body } : {}),
      });
      expect(reply.status, `${method} ${path}`).toBe(403);
    }
  });

  it("refuses an instance administrator's API token (401): these take a dashboard session", async () => {
    const created = await api.call('POST', '/api/token.create', {
      token: root.token,
      body: { name: 'script' },
    });
    const apiToken = created.body.result.data.token as string;
    for (const [method, path, body] of everyCall()) {
      const reply = await api.call(method, path, { token: apiToken, ...(body ? { body } : {}) });
      expect(reply.status, `${method} ${path}`).toBe(401);
      expect(reply.body.error.message).toContain('dashboard session');
    }
    const grant = await api.call('POST', '/api/admin.grant', {
      token: apiToken,
      body: { userId: owner.userId },
    });
    expect(grant.status).toBe(401);
  });

  it('lets an administrator make another, and never revoke the last', async () => {
    const granted = await api.call('POST', '/api/admin.grant', {
      token: root.token,
      body: { email: owner.email },
    });
    expect(granted.status).toBe(200);
    expect(granted.body.result.data.id).toBe(owner.userId);
    const me = await api.call('GET', '/api/auth.me', { token: owner.token });
    expect(me.body.result.data.instanceAdmin).toBe(true);
    const asNewAdmin = await api.call('GET', '/api/cluster/overview', { token: owner.token });
    expect(asNewAdmin.status).toBe(200);
    const list = await api.call('GET', '/api/admin.list', { token: owner.token });
    expect(list.body.result.data.map((u: { id: string }) => u.id)).toEqual([
      root.userId,
      owner.userId,
    ]);

    // The new one revokes the first; then the last may not go.
    const revoked = await api.call('DELETE', '/api/admin.revoke', {
      token: owner.token,
      body: { userId: root.userId },
    });
    expect(revoked.status).toBe(204);
    const last = await api.call('DELETE', '/api/admin.revoke', {
      token: owner.token,
      body: { userId: owner.userId },
    });
    expect(last.status).toBe(409);
    expect(last.body.error.message).toContain('last instance administrator');
    const refused = await api.call('GET', '/api/cluster/overview', { token: root.token });
    expect(refused.status).toBe(403);
  });
});
