import { restRoutes, routes } from '@flotilla/router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startApi } from './harness.ts';

let api: Harness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

describe('GET /api/openapi.json', () => {
  it('describes every procedure with its method, inputs and result envelope', async () => {
    const reply = await api.call('GET', '/api/openapi.json');
    expect(reply.status).toBe(200);
    const document = reply.body;
    expect(document.openapi).toBe('3.1.0');
    // Every procedure's path and every REST alias's path, nothing else.
    expect(Object.keys(document.paths).length).toBe(
      routes.size + new Set(restRoutes.map((alias) => alias.path)).size,
    );
    for (const route of routes.values()) {
      const operation = document.paths[`/api/${route.path}`]?.[route.method.toLowerCase()];
      expect(operation, route.path).toBeDefined();
      expect(operation.operationId).toBe(route.path);
      expect(operation.responses[String(route.status)], route.path).toBeDefined();
      if (route.method !== 'GET' && route.input)
        expect(operation.requestBody, route.path).toBeDefined();
    }
    const all = document.paths['/api/cluster.all'].get;
    expect(all.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['organizationId', 'page', 'limit', 'sort', 'order', 'search']),
    );
    const create = document.paths['/api/cluster.create'].post;
    expect(JSON.stringify(create.requestBody)).toContain('"digitalocean"');
    expect(create.parameters.map((p: { name: string }) => p.name)).toContain('Idempotency-Key');
    const data =
      create.responses['201'].content['application/json'].schema.properties.result.properties.data;
    expect(data.properties.nodes.type).toBe('array');
    expect(document.paths['/api/auth.login'].post.security).toEqual([]);
    expect(document.components.schemas.Error).toBeDefined();
  });
});

describe('GET /api/docs', () => {
  it('is a self-contained HTML page listing every procedure', async () => {
    const response = await fetch(`${api.url}/api/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    const page = await response.text();
    expect(page).not.toMatch(/<script|https?:\/\/(?!127)/);
    for (const route of routes.values()) expect(page).toContain(`/api/${route.path}`);
  });
});
