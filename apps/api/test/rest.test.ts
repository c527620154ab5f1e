// REST aliases over HTTP: `GET /api/v1/clusters/{id}` and `GET /api/v1/clusters` answer
// platform.cluster and platform.clusters in the platform page's shape (snake_case, `type`,
// `node_count`, `running_tasks`) and no envelope, with the same access rules, and are in the
// OpenAPI document.
import { restPlatformCluster, restPlatformClusterDetail } from '@flotilla/router/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Harness, registerUser, startApi, storeCloudCredentials } from './harness.ts';

let api: Harness;
let owner: Awaited<ReturnType<typeof registerUser>>;
let cluster: { id: string; name: string };

beforeAll(async () => {
  api = await startApi();
  owner = await registerUser(api, 'rest');
  await storeCloudCredentials(api, owner);
  const created = await api.call('POST', '/api/cluster.create', {
    token: owner.token,
    body: {
      organizationId: owner.organizationId,
      name: 'rest-one',
      provider: 'hetzner',
      region: 'fsn1',
      orchestrator: 'swarm',
      nodes: [{ role: 'manager', plan: 'small', count: 1 }],
    },
  });
  cluster = created.body.result.data;
});
afterAll(() => api.close());

describe('GET /api/v1/clusters/{id}', () => {
  it('answers the cluster for the id in the path, in the page’s shape and unwrapped', async () => {
    const reply = await api.call('GET', `/api/v1/clusters/${cluster.id}`, { token: owner.token });
    expect(reply.status).toBe(200);
    expect(restPlatformClusterDetail.parse(reply.body)).toEqual(reply.body);
    expect(reply.body).toMatchObject({
      id: cluster.id,
      organization_id: owner.organizationId,
      name: 'rest-one',
      // Machines Flotilla makes at a cloud provider.
      type: 'managed',
      description: null,
      config: { provider: 'hetzner', region: 'fsn1', orchestrator: 'swarm', adopted: false },
      status: 'provisioning',
      node_count: 1,
      // No manager has been reached yet: unknown, not zero.
      running_tasks: null,
      nodes: [{ name: 'rest-one-1', role: 'manager', status: 'not_ready' }],
    });
    expect(reply.body.result).toBeUndefined();
    const same = await api.call('GET', '/api/cluster.one', {
      token: owner.token,
      query: { clusterId: cluster.id },
    });
    expect(reply.body.created_at).toBe(same.body.result.data.createdAt);
  });

  it('keeps the procedure’s access rules: 401 without a token, 404 for another organization', async () => {
    expect((await api.call('GET', `/api/v1/clusters/${cluster.id}`)).status).toBe(401);
    const stranger = await registerUser(api, 'rest-stranger');
    const hidden = await api.call('GET', `/api/v1/clusters/${cluster.id}`, {
      token: stranger.token,
    });
    expect(hidden.status).toBe(404);
    expect(JSON.stringify(hidden.body)).not.toContain('rest-one');
  });

  it('answers 404 for an id that does not exist and 400 naming `id` for one that cannot be', async () => {
    const missing = await api.call('GET', '/api/v1/clusters/cls_missing', { token: owner.token });
    expect(missing.status).toBe(404);
    const bad = await api.call('GET', `/api/v1/clusters/${encodeURIComponent('no such!')}`, {
      token: owner.token,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.map((issue: { path: string }) => issue.path)).toEqual(['id']);
  });

  it('answers 405 naming the right method, and 404 for a path no alias has', async () => {
    const wrong = await api.call('DELETE', `/api/v1/clusters/${cluster.id}`, {
      token: owner.token,
    });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    expect(wrong.body.error.code).toBe('METHOD_NOT_SUPPORTED');
    for (const path of [
      `/api/v1/clusters/${cluster.id}/nowhere`,
      '/api/v1/nowhere',
      '/api/v1/clusters/',
    ]) {
      const unknown = await api.call('GET', path, { token: owner.token });
      expect(unknown.status, path).toBe(404);
      expect(unknown.body.error.code).toBe('NOT_FOUND');
    }
  });
});

describe('GET /api/v1/clusters', () => {
  it('answers the clusters from snake_case query fields, with the paging header', async () => {
    const reply = await api.call('GET', '/api/v1/clusters', {
      token: owner.token,
      query: { organization_id: owner.organizationId, sort: 'created_at', limit: 10 },
    });
    expect(reply.status).toBe(200);
    expect(z.array(restPlatformCluster).parse(reply.body)).toEqual(reply.body);
    expect(reply.body.map((c: { id: string }) => c.id)).toEqual([cluster.id]);
    expect(reply.headers.get('x-total-count')).toBe('1');
  });

  it('names the REST field when the query is wrong', async () => {
    const reply = await api.call('GET', '/api/v1/clusters', {
      token: owner.token,
      query: { organization_id: owner.organizationId, sort: 'createdAt' },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error.issues.map((issue: { path: string }) => issue.path)).toEqual(['sort']);
  });
});

describe('the OpenAPI document', () => {
  it('lists each alias with its path parameters and the page’s result shape', async () => {
    const document = (await api.call('GET', '/api/openapi.json')).body;
    const one = document.paths['/api/v1/clusters/{id}'].get;
    expect(one.parameters).toContainEqual(
      expect.objectContaining({ name: 'id', in: 'path', required: true }),
    );
    const shape = one.responses['200'].content['application/json'].schema;
    expect(shape.properties.node_count.type).toBe('integer');
    expect(shape.properties.result).toBeUndefined();
    const all = document.paths['/api/v1/clusters'].get;
    expect(all.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['organization_id', 'sort', 'limit']),
    );
    const page = await (await fetch(`${api.url}/api/docs`)).text();
    expect(page).toContain('/api/v1/clusters/{id}');
  });
});
