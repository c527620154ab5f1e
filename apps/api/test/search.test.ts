// search.query over HTTP: clusters, nodes, apps and stacks found by part of their name (and by
// small typos), ranked, only what the caller may see, never another organization's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, registerUser, startApi, storeCloudCredentials } from './harness.ts';

let api: Harness;
let alice: Awaited<ReturnType<typeof registerUser>>;
let mallory: Awaited<ReturnType<typeof registerUser>>;
let viewer: Awaited<ReturnType<typeof registerUser>>;
const ids: Record<string, string> = {};

interface Hit {
  kind: string;
  id: string;
  name: string;
  clusterId: string;
  clusterName: string;
  score: number;
}

async function cluster(owner: typeof alice, name: string): Promise<string> {
  const reply = await api.call('POST', '/api/cluster.create', {
    token: owner.token,
    body: {
      organizationId: owner.organizationId,
      name,
      provider: 'hetzner',
      region: 'fsn1',
      orchestrator: 'swarm',
      nodes: [{ role: 'manager', plan: 'small', count: 1 }],
    },
  });
  if (reply.status !== 201) throw new Error(JSON.stringify(reply.body));
  return reply.body.result.data.id;
}

async function app(owner: typeof alice, clusterId: string, name: string): Promise<string> {
  const reply = await api.call('POST', '/api/app.create', {
    token: owner.token,
    body: {
      organizationId: owner.organizationId,
      clusterId,
      name,
      sourceType: 'image',
      imageUrl: 'registry.example.com/team/api:1',
    },
  });
  if (reply.status !== 201) throw new Error(JSON.stringify(reply.body));
  return reply.body.result.data.id;
}

async function stack(owner: typeof alice, clusterId: string, name: string, description = '') {
  const reply = await api.call('POST', '/api/stack.create', {
    token: owner.token,
    body: { organizationId: owner.organizationId, clusterId, name, description },
  });
  if (reply.status !== 201) throw new Error(JSON.stringify(reply.body));
  return reply.body.result.data.id as string;
}

async function search(who: typeof alice, q: string, extra: Record<string, string> = {}) {
  const reply = await api.call('GET', '/api/search.query', {
    token: who.token,
    query: { organizationId: alice.organizationId, q, ...extra },
  });
  return reply;
}

beforeAll(async () => {
  api = await startApi();
  alice = await registerUser(api, 'alice');
  mallory = await registerUser(api, 'mallory');
  viewer = await registerUser(api, 'viewer');
  await storeCloudCredentials(api, alice);
  await storeCloudCredentials(api, mallory);
  ids.payments = await cluster(alice, 'payments-prod');
  ids.staging = await cluster(alice, 'staging');
  ids.checkout = await app(alice, ids.payments, 'checkout-service');
  ids.shop = await stack(alice, ids.staging, 'webshop', 'storefront with a payment widget');
  const registry = await api.call('POST', '/api/registry.create', {
    token: alice.token,
    body: {
      organizationId: alice.organizationId,
      name: 'images',
      server: '10.201.250.1:5443',
      makeDefault: true,
    },
  });
  if (registry.status !== 201) throw new Error(JSON.stringify(registry.body));
  const database = await api.call('POST', '/api/database.create', {
    token: alice.token,
    body: { organizationId: alice.organizationId, clusterId: ids.payments, name: 'ledger-db' },
  });
  if (database.status !== 201) throw new Error(JSON.stringify(database.body));
  ids.ledger = database.body.result.data.id;
  // Another organization with names that match the same words.
  ids.malloryCluster = await cluster(mallory, 'payments-mallory');
  ids.malloryApp = await app(mallory, ids.malloryCluster, 'checkout-mallory');
  // The viewer sees only the staging cluster, granted to them.
  await api.call('POST', '/api/cluster.grantAccess', {
    token: alice.token,
    body: { clusterId: ids.staging, userId: viewer.userId, permission: 'view' },
  });
});
afterAll(() => api.close());

describe('search.query', () => {
  it('finds an app by part of its name', async () => {
    const reply = await search(alice, 'checkout');
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    const hits: Hit[] = reply.body.result.data;
    expect(hits[0]).toMatchObject({
      kind: 'app',
      id: ids.checkout,
      name: 'checkout-service',
      clusterId: ids.payments,
      clusterName: 'payments-prod',
    });
    const partial: Hit[] = (await search(alice, 'eckou')).body.result.data;
    expect(partial.map((h) => h.id)).toContain(ids.checkout);
  });

  it('finds with a small typo, and ranks a prefix above a mere similarity', async () => {
    const typo: Hit[] = (await search(alice, 'paymnets')).body.result.data;
    expect(typo.map((h) => h.id)).toContain(ids.payments);
    const hits: Hit[] = (await search(alice, 'pay')).body.result.data;
    expect(hits[0]).toMatchObject({ kind: 'cluster', id: ids.payments });
    // The node of the cluster is named after it and found too.
    expect(hits.some((h) => h.kind === 'node' && h.clusterId === ids.payments)).toBe(true);
    const scores = hits.map((h) => h.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('finds a managed database by part of its name', async () => {
    const hits: (Hit & { detail: string })[] = (await search(alice, 'ledg')).body.result.data;
    expect(hits[0]).toMatchObject({ kind: 'database', id: ids.ledger, clusterId: ids.payments });
    expect(hits[0]?.detail).toMatch(/^postgres /);
  });

  it('finds a stack by the words of its description', async () => {
    const hits: Hit[] = (await search(alice, 'storefront')).body.result.data;
    expect(hits.map((h) => `${h.kind} ${h.id}`)).toEqual([`stack ${ids.shop}`]);
  });

  it('narrows to the kinds asked for', async () => {
    const hits: Hit[] = (await search(alice, 'payments', { kinds: 'node,stack' })).body.result.data;
    expect(hits.length).toBeGreaterThan(0);
    expect(new Set(hits.map((h) => h.kind))).toEqual(new Set(['node']));
  });

  it("never returns another organization's", async () => {
    for (const q of ['checkout', 'payments', 'mallory']) {
      const hits: Hit[] = (await search(alice, q)).body.result.data;
      for (const hit of hits) {
        expect([ids.malloryCluster, ids.malloryApp]).not.toContain(hit.id);
        expect(hit.name).not.toMatch(/mallory/);
      }
    }
    // Mallory asking about Alice's organization is told it does not exist.
    const reply = await api.call('GET', '/api/search.query', {
      token: mallory.token,
      query: { organizationId: alice.organizationId, q: 'payments' },
    });
    expect(reply.status).toBe(404);
    expect(JSON.stringify(reply.body)).not.toMatch(/payments-prod|checkout/);
  });

  it('shows a user with a grant only what runs on the granted cluster', async () => {
    const reply = await search(viewer, 'payments');
    expect(reply.status).toBe(200);
    expect(reply.body.result.data).toEqual([]);
    const shop: Hit[] = (await search(viewer, 'webshop')).body.result.data;
    expect(shop.map((h) => h.id)).toEqual([ids.shop]);
    const staging: Hit[] = (await search(viewer, 'staging')).body.result.data;
    expect(staging.every((h) => h.clusterId === ids.staging)).toBe(true);
  });

  it('refuses a query that is empty or too long, naming q', async () => {
    for (const q of ['', 'x'.repeat(101)]) {
      const reply = await search(alice, q);
      expect(reply.status).toBe(400);
      expect(reply.body.error.issues.map((i: { path: string }) => i.path)).toContain('q');
    }
  });
});
