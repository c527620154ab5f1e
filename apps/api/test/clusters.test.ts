// The contract document (clusters-api.txt) replayed request by request, then the rules around it.

import { loadConfig } from '@flotilla/config';
import { appendLog, transitionCluster } from '@flotilla/lifecycle';
import { createSealer } from '@flotilla/secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, registerUser, startApi, storeCloudCredentials } from './harness.ts';

let api: Harness;
let owner: Awaited<ReturnType<typeof registerUser>>;
beforeAll(async () => {
  api = await startApi({ hosts: { 'node-b.example.test': ['192.0.2.10'] } });
  owner = await registerUser(api, 'owner');
  await storeCloudCredentials(api, owner);
});
afterAll(() => api.close());

const contractBody = (organizationId: string, name = 'production') => ({
  organizationId,
  name,
  provider: 'digitalocean',
  region: 'sfo3',
  orchestrator: 'kubernetes',
  nodes: [
    { role: 'manager', plan: 'medium', count: 1 },
    { role: 'worker', plan: 'small', count: 2 },
  ],
});

const isoDate = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

async function outboxJobs(clusterId: string) {
  const rows = await api.db.outboxJob.findMany({ orderBy: { id: 'asc' } });
  return rows
    .filter((row) => (row.payload as { clusterId?: string }).clusterId === clusterId)
    .map((row) => row.name);
}

async function createCluster(body: Record<string, unknown>, token = owner.token, headers = {}) {
  return api.call('POST', '/api/cluster.create', { token, body, headers });
}

describe('the contract, request by request', () => {
  let clusterId: string;
  let workerId: string;

  it('POST /api/cluster.create → 201, the cluster in provisioning with its nodes', async () => {
    const kicks = api.outboxKicks();
    const reply = await createCluster(contractBody(owner.organizationId));
    expect(reply.status).toBe(201);
    const data = reply.body.result.data;
    expect(data).toMatchObject({
      id: expect.stringMatching(/^cls_/),
      name: 'production',
      provider: 'digitalocean',
      region: 'sfo3',
      orchestrator: 'kubernetes',
      status: 'provisioning',
      nodeCount: 3,
      createdAt: isoDate,
    });
    expect(data.nodes.map((n: { role: string; plan: string }) => [n.role, n.plan])).toEqual([
      ['manager', 'medium'],
      ['worker', 'small'],
      ['worker', 'small'],
    ]);
    expect(data.nodes.map((n: { name: string }) => n.name)).toEqual([
      'production-1',
      'production-2',
      'production-3',
    ]);
    for (const n of data.nodes)
      expect(n).toMatchObject({
        id: expect.stringMatching(/^node_/),
        ip: null,
        status: 'provisioning',
      });
    clusterId = data.id;
    workerId = data.nodes[2].id;
    expect(await outboxJobs(clusterId)).toEqual(['provisionCluster']);
    expect(api.outboxKicks()).toBe(kicks + 1);
    const transitions = await api.db.statusTransition.findMany({ where: { clusterId } });
    expect(transitions).toEqual([
      expect.objectContaining({ toStatus: 'provisioning', reason: 'cluster requested' }),
    ]);
  });

  it('GET /api/cluster.all?organizationId=… → the list as a bare array, total in X-Total-Count', async () => {
    const reply = await api.call('GET', '/api/cluster.all', {
      token: owner.token,
      query: { organizationId: owner.organizationId },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.result.data).toEqual([
      {
        id: clusterId,
        organizationId: owner.organizationId,
        name: 'production',
        provider: 'digitalocean',
        region: 'sfo3',
        orchestrator: 'kubernetes',
        status: 'provisioning',
        statusReason: 'cluster requested',
        nodeCount: 3,
        createdAt: isoDate,
        updatedAt: isoDate,
      },
    ]);
    expect(reply.headers.get('x-total-count')).toBe('1');
    expect(reply.headers.get('link')).toContain('rel="first"');
  });

  it('GET /api/cluster.one?clusterId=… → the cluster with nodes (id, role, plan, ip, status)', async () => {
    const reply = await api.call('GET', '/api/cluster.one', {
      token: owner.token,
      query: { clusterId },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.result.data).toMatchObject({
      id: clusterId,
      nodeCount: 3,
      status: 'provisioning',
    });
    expect(Object.keys(reply.body.result.data.nodes[0])).toEqual(
      expect.arrayContaining(['id', 'role', 'plan', 'ip', 'status']),
    );
  });

  it('PATCH /api/cluster.update renames the cluster', async () => {
    const reply = await api.call('PATCH', '/api/cluster.update', {
      token: owner.token,
      body: { clusterId, name: 'production-us-east' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.result.data.name).toBe('production-us-east');
  });

  it('GET /api/cluster.nodes lists the nodes', async () => {
    const reply = await api.call('GET', '/api/cluster.nodes', {
      token: owner.token,
      query: { clusterId },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.result.data).toHaveLength(3);
  });

  it('POST /api/cluster.addNode → the new node in provisioning and a provisionNode job', async () => {
    const reply = await api.call('POST', '/api/cluster.addNode', {
      token: owner.token,
      body: { clusterId, role: 'worker', plan: 'small' },
    });
    expect(reply.status).toBe(201);
    expect(reply.body.result.data).toMatchObject({
      role: 'worker',
      plan: 'small',
      status: 'provisioning',
      ordinal: 4,
      name: 'production-us-east-4',
    });
    expect(await outboxJobs(clusterId)).toEqual(['provisionCluster', 'provisionNode']);
  });

  it('DELETE /api/cluster.removeNode → the node is deleting and a removeNode job waits', async () => {
    const reply = await api.call('DELETE', '/api/cluster.removeNode', {
      token: owner.token,
      body: { clusterId, nodeId: workerId },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.result.data).toMatchObject({ id: workerId, status: 'deleting' });
    expect(await outboxJobs(clusterId)).toEqual([
      'provisionCluster',
      'provisionNode',
      'removeNode',
    ]);
  });

  it('grantAccess, listAccess, revokeAccess', async () => {
    const friend = await registerUser(api, 'friend');
    const granted = await api.call('POST', '/api/cluster.grantAccess', {
      token: owner.token,
      body: { clusterId, email: friend.email, permission: 'view' },
    });
    expect(granted.status).toBe(200);
    expect(granted.body.result.data).toMatchObject({ userId: friend.userId, permission: 'view' });
    const list = await api.call('GET', '/api/cluster.listAccess', {
      token: owner.token,
      query: { clusterId },
    });
    expect(list.body.result.data).toEqual([expect.objectContaining({ userId: friend.userId })]);
    const asFriend = await api.call('GET', '/api/cluster.one', {
      token: friend.token,
      query: { clusterId },
    });
    expect(asFriend.status).toBe(200);
    const revoked = await api.call('DELETE', '/api/cluster.revokeAccess', {
      token: owner.token,
      body: { clusterId, userId: friend.userId },
    });
    expect(revoked.status).toBe(204);
    expect(revoked.body).toBeUndefined();
    expect(
      (await api.call('GET', '/api/cluster.one', { token: friend.token, query: { clusterId } }))
        .status,
    ).toBe(404);
  });

  it('DELETE /api/cluster.remove → 204, the cluster is deleting and a deleteCluster job waits', async () => {
    const reply = await api.call('DELETE', '/api/cluster.remove', {
      token: owner.token,
      body: { clusterId },
    });
    expect(reply.status).toBe(204);
    const cluster = await api.db.cluster.findUniqueOrThrow({ where: { id: clusterId } });
    expect(cluster.status).toBe('deleting');
    expect((await outboxJobs(clusterId)).at(-1)).toBe('deleteCluster');
    const again = await api.call('DELETE', '/api/cluster.remove', {
      token: owner.token,
      body: { clusterId },
    });
    expect(again.status).toBe(204);
    expect((await outboxJobs(clusterId)).filter((name) => name === 'deleteCluster')).toHaveLength(
      1,
    );
    const add = await api.call('POST', '/api/cluster.addNode', {
      token: owner.token,
      body: { clusterId, role: 'worker', plan: 'small' },
    });
    expect(add.status).toBe(409);
  });
});

describe('catalog.providers', () => {
  it('offers exactly what cluster.create accepts', async () => {
    const reply = await api.call('GET', '/api/catalog.providers', { token: owner.token });
    expect(reply.status).toBe(200);
    const { providers, orchestrators, maxNodesPerCluster } = reply.body.result.data;
    expect(providers.map((p: { id: string }) => p.id)).toEqual([
      'digitalocean',
      'hetzner',
      'aws',
      'ssh',
    ]);
    const digitalocean = providers[0];
    expect(digitalocean.regions.map((r: { code: string }) => r.code)).toContain('sfo3');
    expect(digitalocean.plans.map((p: { plan: string }) => p.plan)).toEqual([
      'nano',
      'micro',
      'small',
      'medium',
      'power',
    ]);
    expect(orchestrators).toEqual(['kubernetes', 'swarm']);
    expect(maxNodesPerCluster).toBe(100);
  });
});

describe('cluster.create validation', () => {
  const base = () =>
    contractBody(owner.organizationId, `v-${Math.random().toString(36).slice(2, 8)}`);
  const cases: [string, (body: ReturnType<typeof base>) => unknown, string, RegExp][] = [
    ['unknown provider', (b) => ({ ...b, provider: 'linode' }), 'provider', /digitalocean/],
    ['unknown region', (b) => ({ ...b, region: 'mars1' }), 'region', /valid: .*sfo3/],
    [
      'unknown orchestrator',
      (b) => ({ ...b, orchestrator: 'nomad' }),
      'orchestrator',
      /kubernetes/,
    ],
    [
      'unknown plan',
      (b) => ({ ...b, nodes: [{ role: 'manager', plan: 'huge', count: 1 }] }),
      'nodes.0.plan',
      /nano/,
    ],
    [
      'zero count',
      (b) => ({ ...b, nodes: [{ role: 'manager', plan: 'small', count: 0 }] }),
      'nodes.0.count',
      /./,
    ],
    [
      'even Swarm managers',
      (b) => ({
        ...b,
        orchestrator: 'swarm',
        nodes: [{ role: 'manager', plan: 'small', count: 2 }],
      }),
      'nodes',
      /odd number of managers.*quorum/,
    ],
    [
      'Swarm without managers',
      (b) => ({
        ...b,
        orchestrator: 'swarm',
        nodes: [{ role: 'worker', plan: 'small', count: 3 }],
      }),
      'nodes',
      /at least 1 manager/,
    ],
    [
      'Kubernetes without managers',
      (b) => ({ ...b, nodes: [{ role: 'worker', plan: 'small', count: 3 }] }),
      'nodes',
      /at least 1 manager/,
    ],
    [
      'more than 100 nodes',
      (b) => ({
        ...b,
        nodes: [
          { role: 'manager', plan: 'small', count: 1 },
          { role: 'worker', plan: 'small', count: 100 },
        ],
      }),
      'nodes',
      /at most 100/,
    ],
    ['bad name', (b) => ({ ...b, name: 'Prod Cluster!' }), 'name', /lower-case/],
    ['missing organizationId', ({ organizationId: _, ...b }) => b, 'organizationId', /./],
    [
      'a host that is neither IP nor DNS name',
      (b) => ({
        ...b,
        provider: 'ssh',
        sshKeyId: 'key_x',
        nodes: [{ role: 'manager', host: 'not a host;rm -rf /' }],
      }),
      'nodes.0.host',
      /IPv4 or IPv6 address or a DNS name/,
    ],
  ];

  it.each(cases)('%s → 400 naming the field', async (_, change, path, message) => {
    const reply = await createCluster(change(base()) as Record<string, unknown>);
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('BAD_REQUEST');
    const issue = reply.body.error.issues.find((i: { path: string }) => i.path === path);
    expect(issue, JSON.stringify(reply.body.error)).toBeDefined();
    expect(issue.message).toMatch(message);
  });

  it('refuses a duplicate name in the organization with 409, on create and on rename', async () => {
    const body = base();
    expect((await createCluster(body)).status).toBe(201);
    const again = await createCluster(body);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/exists/);
    const other = await createCluster(base());
    const rename = await api.call('PATCH', '/api/cluster.update', {
      token: owner.token,
      body: { clusterId: other.body.result.data.id, name: body.name },
    });
    expect(rename.status).toBe(409);
  });

  it("takes the user's own servers with an SSH key of the organization, not another one", async () => {
    const key = await api.call('POST', '/api/sshKey.generate', {
      token: owner.token,
      body: { organizationId: owner.organizationId, name: 'deploy' },
    });
    expect(key.status).toBe(201);
    const stranger = await registerUser(api, 'stranger');
    const foreignKey = await api.call('POST', '/api/sshKey.generate', {
      token: stranger.token,
      body: { organizationId: stranger.organizationId, name: 'theirs' },
    });
    const body = {
      organizationId: owner.organizationId,
      name: 'own-servers',
      provider: 'ssh',
      orchestrator: 'swarm',
      sshKeyId: key.body.result.data.id,
      nodes: [
        { role: 'worker', host: 'node-b.example.test' },
        { role: 'manager', host: '10.77.0.11', port: 2222, user: 'deploy' },
        { role: 'worker', host: '2001:db8::7' },
      ],
    };
    const foreign = await createCluster({ ...body, sshKeyId: foreignKey.body.result.data.id });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.issues[0].path).toBe('sshKeyId');
    const reply = await createCluster(body);
    expect(reply.status).toBe(201);
    expect(reply.body.result.data.region).toBe('self-hosted');
    expect(
      reply.body.result.data.nodes.map((n: { role: string; ip: string; plan: null }) => [
        n.role,
        n.ip,
        n.plan,
      ]),
    ).toEqual([
      ['manager', '10.77.0.11', null],
      ['worker', 'node-b.example.test', null],
      ['worker', '2001:db8::7', null],
    ]);
    const manager = await api.db.node.findFirstOrThrow({ where: { address: '10.77.0.11' } });
    expect([manager.sshPort, manager.sshUser]).toEqual([2222, 'deploy']);
  });
});

describe('node rules', () => {
  it('refuses removing the last manager while workers remain, and an even Swarm manager count', async () => {
    const created = await createCluster({
      organizationId: owner.organizationId,
      name: 'swarm-rules',
      provider: 'hetzner',
      region: 'nbg1',
      orchestrator: 'swarm',
      nodes: [
        { role: 'manager', plan: 'small', count: 3 },
        { role: 'worker', plan: 'small', count: 1 },
      ],
    });
    const cluster = created.body.result.data;
    const managers = cluster.nodes.filter((n: { role: string }) => n.role === 'manager');
    const evenRemove = await api.call('DELETE', '/api/cluster.removeNode', {
      token: owner.token,
      body: { clusterId: cluster.id, nodeId: managers[0].id },
    });
    expect(evenRemove.status).toBe(409);
    expect(evenRemove.body.error.message).toMatch(/odd number of managers/);
    const evenAdd = await api.call('POST', '/api/cluster.addNode', {
      token: owner.token,
      body: { clusterId: cluster.id, role: 'manager', plan: 'small' },
    });
    expect(evenAdd.status).toBe(400);
    expect(evenAdd.body.error.issues[0].path).toBe('role');
    const missingPlan = await api.call('POST', '/api/cluster.addNode', {
      token: owner.token,
      body: { clusterId: cluster.id, role: 'worker' },
    });
    expect(missingPlan.status).toBe(400);
    expect(missingPlan.body.error.issues[0].path).toBe('plan');

    const k8s = await createCluster({
      ...contractBody(owner.organizationId, 'last-manager'),
    });
    const k8sManager = k8s.body.result.data.nodes[0];
    const last = await api.call('DELETE', '/api/cluster.removeNode', {
      token: owner.token,
      body: { clusterId: k8s.body.result.data.id, nodeId: k8sManager.id },
    });
    expect(last.status).toBe(409);
    expect(last.body.error.message).toMatch(/last manager and 2 worker/);
  });
});

describe('idempotency', () => {
  it('replays the first answer for the same key and body, 409 for a different body', async () => {
    const body = contractBody(owner.organizationId, 'idem-seq');
    const headers = { 'idempotency-key': 'create-idem-seq' };
    const first = await createCluster(body, owner.token, headers);
    const second = await createCluster(body, owner.token, headers);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const other = await createCluster({ ...body, region: 'nyc1' }, owner.token, headers);
    expect(other.status).toBe(409);
    expect(await api.db.cluster.count({ where: { name: 'idem-seq' } })).toBe(1);
  });

  it('20 parallel identical creates make exactly one cluster and one job', async () => {
    const body = contractBody(owner.organizationId, 'idem-parallel');
    const headers = { 'idempotency-key': 'create-idem-parallel' };
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => createCluster(body, owner.token, headers)),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(201));
    const ids = new Set(replies.map((r) => r.body.result.data.id));
    expect(ids.size).toBe(1);
    expect(await api.db.cluster.count({ where: { name: 'idem-parallel' } })).toBe(1);
    expect(await outboxJobs([...ids][0] as string)).toEqual(['provisionCluster']);
  });

  it('an addNode sent twice with the same key adds one node', async () => {
    const created = await createCluster(contractBody(owner.organizationId, 'idem-add'));
    const clusterId = created.body.result.data.id;
    const send = () =>
      api.call('POST', '/api/cluster.addNode', {
        token: owner.token,
        body: { clusterId, role: 'worker', plan: 'nano' },
        headers: { 'idempotency-key': 'add-1' },
      });
    const [a, b] = await Promise.all([send(), send()]);
    expect(a.body.result.data.id).toBe(b.body.result.data.id);
    expect(await api.db.node.count({ where: { clusterId } })).toBe(4);
  });
});

describe('lists', () => {
  it('pages, sorts, searches and filters cluster.all', async () => {
    const user = await registerUser(api, 'lister');
    await storeCloudCredentials(api, user);
    for (const name of ['alpha', 'beta', 'gamma', 'delta', 'epsilon']) {
      await createCluster(contractBody(user.organizationId, name), user.token);
    }
    const page = (query: Record<string, string | number>) =>
      api.call('GET', '/api/cluster.all', {
        token: user.token,
        query: { organizationId: user.organizationId, ...query },
      });
    const first = await page({ sort: 'name', order: 'asc', limit: 2, page: 1 });
    expect(first.body.result.data.map((c: { name: string }) => c.name)).toEqual(['alpha', 'beta']);
    expect(first.headers.get('x-total-count')).toBe('5');
    expect(first.headers.get('link')).toContain('page=2');
    const third = await page({ sort: 'name', order: 'asc', limit: 2, page: 3 });
    expect(third.body.result.data.map((c: { name: string }) => c.name)).toEqual(['gamma']);
    const beyond = await page({ limit: 2, page: 9 });
    expect(beyond.body.result.data).toEqual([]);
    expect(beyond.headers.get('x-total-count')).toBe('5');
    const search = await page({ search: 'ta' });
    expect(search.body.result.data.map((c: { name: string }) => c.name).sort()).toEqual([
      'beta',
      'delta',
    ]);
    const percent = await page({ search: '%' });
    expect(percent.body.result.data).toEqual([]);
    const bads: Record<string, string | number>[] = [
      { limit: 101 },
      { limit: 0 },
      { sort: 'password' },
      { order: 'sideways' },
      { page: -1 },
    ];
    for (const bad of bads) {
      const reply = await page(bad);
      expect(reply.status, JSON.stringify(bad)).toBe(400);
      expect(reply.body.error.issues[0].path).toBe(Object.keys(bad)[0]);
    }
  });
});

describe('logs, kubeconfig and events', () => {
  it('resumes an event stream after Last-Event-ID: missed log lines first, then live, no duplicates', async () => {
    const created = await createCluster(contractBody(owner.organizationId, 'resume'));
    const clusterId = created.body.result.data.id;
    for (const message of ['one', 'two', 'three'])
      await appendLog(api.db, { clusterId, step: 'test', message });
    const lines = await api.call('GET', '/api/cluster.logs', {
      token: owner.token,
      query: { clusterId },
    });
    const firstId = lines.body.result.data.items[0].id;
    const controller = new AbortController();
    const response = await fetch(`${api.url}/api/cluster.events?clusterId=${clusterId}`, {
      headers: { authorization: `Bearer ${owner.token}`, 'last-event-id': firstId },
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const deadline = Date.now() + 5_000;
    const until = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in ${text}`);
        text += decoder.decode((await reader.read()).value);
      }
    };
    await until(/"message":"three"/);
    await appendLog(api.db, { clusterId, step: 'test', message: 'four' });
    await until(/"message":"four"/);
    controller.abort();
    const messages = [...text.matchAll(/"message":"(\w+)"/g)].map((m) => m[1]);
    expect(messages).toEqual(['two', 'three', 'four']);
    expect(text).toMatch(new RegExp(`id: ${Number(firstId) + 1}\nevent: log\n`));
  });

  it('pages provisioning log lines by cursor and filters by node', async () => {
    const created = await createCluster(contractBody(owner.organizationId, 'with-logs'));
    const cluster = created.body.result.data;
    for (let i = 0; i < 5; i++) {
      await appendLog(api.db, {
        clusterId: cluster.id,
        nodeId: i % 2 ? cluster.nodes[1].id : null,
        step: 'test',
        message: `line ${i}`,
      });
    }
    const first = await api.call('GET', '/api/cluster.logs', {
      token: owner.token,
      query: { clusterId: cluster.id, limit: 3 },
    });
    expect(first.body.result.data.items.map((l: { message: string }) => l.message)).toEqual([
      'line 0',
      'line 1',
      'line 2',
    ]);
    const rest = await api.call('GET', '/api/cluster.logs', {
      token: owner.token,
      query: { clusterId: cluster.id, limit: 3, cursor: first.body.result.data.nextCursor },
    });
    expect(rest.body.result.data.items.map((l: { message: string }) => l.message)).toEqual([
      'line 3',
      'line 4',
    ]);
    expect(rest.body.result.data.nextCursor).toBeNull();
    const byNode = await api.call('GET', '/api/cluster.logs', {
      token: owner.token,
      query: { clusterId: cluster.id, nodeId: cluster.nodes[1].id },
    });
    expect(byNode.body.result.data.items).toHaveLength(2);
  });

  it('returns the kubeconfig once the worker stored it, 409 before, 400 for Swarm', async () => {
    const created = await createCluster(contractBody(owner.organizationId, 'kube'));
    const clusterId = created.body.result.data.id;
    const before = await api.call('GET', '/api/cluster.kubeconfig', {
      token: owner.token,
      query: { clusterId },
    });
    expect(before.status).toBe(409);
    const sealer = createSealer(loadConfig({ NODE_ENV: 'test' }).masterKey);
    await api.db.cluster.update({
      where: { id: clusterId },
      data: {
        kubeconfigEncrypted: sealer.seal(
          'apiVersion: v1\nkind: Config\n',
          `cluster-kubeconfig:${clusterId}`,
        ),
      },
    });
    const after = await api.call('GET', '/api/cluster.kubeconfig', {
      token: owner.token,
      query: { clusterId },
    });
    expect(after.status).toBe(200);
    expect(after.body.result.data.kubeconfig).toContain('kind: Config');
    const swarm = await createCluster({
      ...contractBody(owner.organizationId, 'kube-swarm'),
      orchestrator: 'swarm',
    });
    const notKube = await api.call('GET', '/api/cluster.kubeconfig', {
      token: owner.token,
      query: { clusterId: swarm.body.result.data.id },
    });
    expect(notKube.status).toBe(400);
    const audit = await api.db.auditLog.findFirst({
      where: { action: 'cluster.kubeconfig', clusterId, outcome: 'success' },
    });
    expect(audit).not.toBeNull();
  });

  it('streams status changes and log lines as server-sent events', async () => {
    const created = await createCluster(contractBody(owner.organizationId, 'live'));
    const clusterId = created.body.result.data.id;
    const controller = new AbortController();
    const response = await fetch(`${api.url}/api/cluster.events?clusterId=${clusterId}`, {
      headers: { authorization: `Bearer ${owner.token}` },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const until = async (pattern: RegExp) => {
      const deadline = Date.now() + 5_000;
      while (!pattern.test(text)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in ${text}`);
        const { value } = await reader.read();
        text += decoder.decode(value);
      }
    };
    await until(/: connected/);
    await transitionCluster(api.db, clusterId, 'running', 'all nodes running');
    await appendLog(api.db, { clusterId, step: 'test', message: 'hello stream' });
    await until(/hello stream/);
    expect(text).toMatch(/event: cluster\ndata: \{[^\n]*"to":"running"/);
    expect(text).toMatch(/event: log\ndata: \{[^\n]*"message":"hello stream"/);
    // More watchers share the process's one LISTEN connection.
    const more = await Promise.all(
      [1, 2, 3].map(() =>
        fetch(`${api.url}/api/cluster.events?clusterId=${clusterId}`, {
          headers: { authorization: `Bearer ${owner.token}` },
          signal: controller.signal,
        }),
      ),
    );
    expect(more.map((r) => r.status)).toEqual([200, 200, 200]);
    const [listening] = await api.sql<{ count: number }[]>`
      select count(*)::int as count from pg_stat_activity
      where datname = current_database() and query ilike 'listen%'`;
    expect(listening?.count).toBe(1);
    controller.abort();
    const stranger = await registerUser(api, 'peeker');
    const denied = await fetch(`${api.url}/api/cluster.events?clusterId=${clusterId}`, {
      headers: { authorization: `Bearer ${stranger.token}` },
    });
    expect(denied.status).toBe(404);
  });
});
