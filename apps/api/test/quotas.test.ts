// Quotas per organization: instance defaults from FLOTILLA_QUOTA_*, overrides by an instance
// administrator, and creates counted in their own transaction so parallel requests cannot pass
// a limit together.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, registerUser, startApi, storeCloudCredentials } from './harness.ts';

let api: Harness;
// The first user of the instance: its administrator.
let admin: Awaited<ReturnType<typeof registerUser>>;
let owner: Awaited<ReturnType<typeof registerUser>>;
let keyId: string;

beforeAll(async () => {
  api = await startApi({
    env: {
      FLOTILLA_QUOTA_CLUSTERS: '8',
      FLOTILLA_QUOTA_NODES: '50',
      FLOTILLA_QUOTA_NODES_AWS: '2',
    },
  });
  admin = await registerUser(api, 'admin');
  owner = await registerUser(api, 'owner');
  const key = await api.call('POST', '/api/sshKey.generate', {
    token: owner.token,
    body: { organizationId: owner.organizationId, name: 'deploy' },
  });
  keyId = key.body.result.data.id;
  await storeCloudCredentials(api, owner);
});
afterAll(() => api?.close());

let counter = 0;
function ownServers(hosts: string[], name = `own-${++counter}`) {
  return api.call('POST', '/api/cluster.create', {
    token: owner.token,
    body: {
      organizationId: owner.organizationId,
      name,
      provider: 'ssh',
      orchestrator: 'swarm',
      sshKeyId: keyId,
      nodes: hosts.map((host, i) => ({ role: i === 0 ? 'manager' : 'worker', host })),
    },
  });
}

const setQuota = (token: string, kind: string, limit: number | null) =>
  api.call('POST', '/api/quota.set', {
    token,
    body: { organizationId: owner.organizationId, kind, limit },
  });

const quotaOf = async (kind: string) => {
  const reply = await api.call('GET', '/api/quota.get', {
    token: owner.token,
    query: { organizationId: owner.organizationId },
  });
  expect(reply.status).toBe(200);
  return reply.body.result.data.quotas.find((q: { kind: string }) => q.kind === kind);
};

async function removeAllClusters() {
  await api.db.cluster.deleteMany({ where: { organizationId: owner.organizationId } });
}

describe('quota.get and quota.set', () => {
  it("shows the instance's defaults and what the organization has", async () => {
    const reply = await api.call('GET', '/api/quota.get', {
      token: owner.token,
      query: { organizationId: owner.organizationId },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.result.data.quotas).toEqual([
      { kind: 'clusters', limit: 8, used: 0, source: 'default' },
      { kind: 'nodes.digitalocean', limit: 50, used: 0, source: 'default' },
      { kind: 'nodes.hetzner', limit: 50, used: 0, source: 'default' },
      { kind: 'nodes.aws', limit: 2, used: 0, source: 'default' },
      { kind: 'nodes.ssh', limit: 50, used: 0, source: 'default' },
      { kind: 'apps', limit: 300, used: 0, source: 'default' },
      { kind: 'databases', limit: 100, used: 0, source: 'default' },
    ]);
  });

  it('lets only an instance administrator change them, not the organization owner', async () => {
    const byOwner = await setQuota(owner.token, 'clusters', 100);
    expect(byOwner.status).toBe(403);
    expect(byOwner.body.error.message).toMatch(/instance administrator/);
    const byAdmin = await setQuota(admin.token, 'clusters', 3);
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.result.data).toEqual({
      kind: 'clusters',
      limit: 3,
      used: 0,
      source: 'override',
    });
    expect(await quotaOf('clusters')).toMatchObject({ limit: 3, source: 'override' });
    // null: back to the instance default.
    expect((await setQuota(admin.token, 'clusters', null)).body.result.data).toMatchObject({
      limit: 8,
      source: 'default',
    });
    const unknown = await setQuota(admin.token, 'gpus', 1);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.issues[0].path).toBe('kind');
    const nowhere = await api.call('POST', '/api/quota.set', {
      token: admin.token,
      body: { organizationId: 'org_doesnotexist', kind: 'clusters', limit: 1 },
    });
    expect(nowhere.status).toBe(404);
    // Who changed what is in the organization's audit log.
    const audit = await api.db.auditLog.findFirst({
      where: { action: 'quota.set', organizationId: owner.organizationId, outcome: 'success' },
    });
    expect(audit).toMatchObject({
      actorId: admin.userId,
      targetType: 'quota',
      targetId: 'clusters',
    });
  });
});

describe('clusters', () => {
  it('refuses the create past the limit with 403, the limit, the count and what to do', async () => {
    await removeAllClusters();
    await setQuota(admin.token, 'clusters', 2);
    expect((await ownServers(['203.0.113.1'])).status).toBe(201);
    const second = await ownServers(['203.0.113.2']);
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    const third = await ownServers(['203.0.113.3']);
    expect(third.status).toBe(403);
    expect(third.body.error).toMatchObject({
      code: 'FORBIDDEN',
      quota: { kind: 'clusters', limit: 2, used: 2, requested: 1 },
    });
    expect(third.body.error.message).toMatch(
      /may have 2 clusters and has 2.*Remove some, or ask an instance administrator to raise the "clusters" quota/,
    );
    // Raised by the administrator: the same request passes.
    await setQuota(admin.token, 'clusters', 3);
    expect((await ownServers(['203.0.113.3'])).status).toBe(201);
  });

  it('20 parallel creates at a quota of 5 make exactly 5 clusters', async () => {
    await removeAllClusters();
    await setQuota(admin.token, 'clusters', 5);
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => ownServers([`203.0.113.${i + 1}`], `parallel-${i}`)),
    );
    const statuses = replies.map((reply) => reply.status).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(5);
    expect(statuses.filter((status) => status === 403)).toHaveLength(15);
    for (const reply of replies.filter((r) => r.status === 403)) {
      expect(reply.body.error.quota).toEqual({ kind: 'clusters', limit: 5, used: 5, requested: 1 });
    }
    expect(await api.db.cluster.count({ where: { organizationId: owner.organizationId } })).toBe(5);
    expect(await quotaOf('clusters')).toMatchObject({ limit: 5, used: 5 });
  });
});

describe('machines per provider', () => {
  it('counts own servers at create and addNode, apart from other providers', async () => {
    await removeAllClusters();
    await setQuota(admin.token, 'clusters', null);
    await setQuota(admin.token, 'nodes.ssh', 3);
    const tooMany = await ownServers(['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4']);
    expect(tooMany.status).toBe(403);
    expect(tooMany.body.error.quota).toEqual({
      kind: 'nodes.ssh',
      limit: 3,
      used: 0,
      requested: 4,
    });
    // Refused as a whole: not even the cluster row was written.
    expect(await api.db.cluster.count({ where: { organizationId: owner.organizationId } })).toBe(0);

    const created = await ownServers(['203.0.113.1', '203.0.113.2']);
    expect(created.status).toBe(201);
    const clusterId = created.body.result.data.id;
    const add = (host: string) =>
      api.call('POST', '/api/cluster.addNode', {
        token: owner.token,
        body: { clusterId, role: 'worker', host },
      });
    expect((await add('203.0.113.3')).status).toBe(201);
    const fourth = await add('203.0.113.4');
    expect(fourth.status).toBe(403);
    expect(fourth.body.error.quota).toEqual({ kind: 'nodes.ssh', limit: 3, used: 3, requested: 1 });
    expect(await quotaOf('nodes.ssh')).toMatchObject({ limit: 3, used: 3 });

    // Machines of a cloud provider have their own count (FLOTILLA_QUOTA_NODES_AWS=2 here).
    const aws = (workers: number) =>
      api.call('POST', '/api/cluster.create', {
        token: owner.token,
        body: {
          organizationId: owner.organizationId,
          name: `aws-${++counter}`,
          provider: 'aws',
          region: 'us-east-1',
          orchestrator: 'kubernetes',
          nodes: [
            { role: 'manager', plan: 'small', count: 1 },
            ...(workers ? [{ role: 'worker', plan: 'small', count: workers }] : []),
          ],
        },
      });
    const threeMachines = await aws(2);
    expect(threeMachines.status).toBe(403);
    expect(threeMachines.body.error.quota).toMatchObject({ kind: 'nodes.aws', limit: 2 });
    expect((await aws(1)).status).toBe(201);
    expect(await quotaOf('nodes.aws')).toMatchObject({ limit: 2, used: 2 });
    expect(await quotaOf('nodes.ssh')).toMatchObject({ used: 3 });
  });
});
