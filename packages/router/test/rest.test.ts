// REST aliases: one line each, matched by path segments (static before parameters), with a 405
// naming the methods a path has; their mappings turn a page's fields into a procedure's input.
import { describe, expect, it } from 'vitest';
import { matchRest, rest, restInput, restMatcher } from '../src/rest.ts';

describe('rest()', () => {
  it('takes the procedure’s status unless told, and the template’s parameters in order', () => {
    const alias = rest('POST', '/api/v1/clusters/{id}/nodes/{nodeId}/drain', 'cluster.removeNode');
    expect(alias.params).toEqual(['id', 'nodeId']);
    expect(alias.status).toBe(200);
    expect(alias.procedure.path).toBe('cluster.removeNode');
    expect(rest('DELETE', '/api/v1/clusters/{id}', 'cluster.remove').status).toBe(204);
    expect(rest('POST', '/api/v1/tokens', 'token.create', { status: 200 }).status).toBe(200);
  });

  it('refuses templates that would shadow a procedure or do not parse', () => {
    expect(() => rest('GET', '/api/cluster.one', 'cluster.one')).toThrow(/must look like/);
    expect(() => rest('GET', '/api/v1/clusters/{id', 'cluster.one')).toThrow(/bad segment/);
    expect(() => rest('GET', '/api/v1//clusters', 'cluster.one')).toThrow(/bad segment/);
  });
});

describe('matching', () => {
  const aliases = [
    rest('GET', '/api/v1/clusters', 'cluster.all'),
    rest('GET', '/api/v1/clusters/{id}', 'cluster.one'),
    rest('DELETE', '/api/v1/clusters/{id}', 'cluster.remove'),
    rest('GET', '/api/v1/clusters/{id}/nodes', 'cluster.nodes'),
    rest('GET', '/api/v1/clusters/default/nodes', 'catalog.providers'),
  ];
  const match = restMatcher(aliases);

  it('finds an alias and its path parameters, decoded', () => {
    expect(match('GET', '/api/v1/clusters/cls_1')).toEqual({
      route: aliases[1],
      params: { id: 'cls_1' },
    });
    expect(match('GET', '/api/v1/clusters/a%20b/nodes')).toEqual({
      route: aliases[3],
      params: { id: 'a b' },
    });
  });

  it('prefers a static segment, and falls back to a parameter when the static branch ends', () => {
    expect(match('GET', '/api/v1/clusters/default/nodes')).toMatchObject({ route: aliases[4] });
    expect(match('GET', '/api/v1/clusters/default')).toEqual({
      route: aliases[1],
      params: { id: 'default' },
    });
  });

  it('names the methods a path has when the method is wrong', () => {
    expect(match('POST', '/api/v1/clusters/cls_1')).toEqual({ allow: ['GET', 'DELETE'] });
  });

  it('finds nothing for unknown, partial, trailing-slash or badly encoded paths', () => {
    for (const path of [
      '/api/v1/nope',
      '/api/v1',
      '/api/v1/clusters/',
      '/api/v1/clusters/cls_1/nodes/x',
      '/api/v1/clusters/%E0%A4%A',
    ]) {
      expect(match('GET', path), path).toBeNull();
    }
  });

  it('refuses two aliases with the same method and path', () => {
    expect(() => restMatcher([aliases[0], aliases[0]] as never)).toThrow(/defined twice/);
  });
});

describe('the aliases served', () => {
  it('GET /api/v1/clusters/{id} answers platform.cluster (the page’s shape), its id from the path', () => {
    const found = matchRest('GET', '/api/v1/clusters/cls_42');
    if (!found || !('route' in found)) throw new Error('no match');
    expect(found.route.procedure.path).toBe('platform.cluster');
    expect(restInput(found.route, found.params, undefined)).toEqual({
      ok: true,
      input: { clusterId: 'cls_42' },
    });
  });

  it('GET /api/v1/clusters maps snake_case query fields to platform.clusters’ input', () => {
    const found = matchRest('GET', '/api/v1/clusters');
    if (!found || !('route' in found)) throw new Error('no match');
    expect(found.route.procedure.path).toBe('platform.clusters');
    expect(
      restInput(found.route, found.params, {
        organization_id: 'org_1',
        sort: 'created_at',
        limit: '5',
      }),
    ).toEqual({
      ok: true,
      input: { organizationId: 'org_1', sort: 'createdAt', order: 'desc', page: 1, limit: 5 },
    });
  });

  it('POST /api/v1/nodes/{id}/drain answers cluster.drainNode for the node in the path', () => {
    const found = matchRest('POST', '/api/v1/nodes/nod_7/drain');
    if (!found || !('route' in found)) throw new Error('no match');
    expect(found.route.procedure.path).toBe('cluster.drainNode');
    expect(restInput(found.route, found.params, {})).toEqual({
      ok: true,
      input: { nodeId: 'nod_7' },
    });
  });

  it('POST /api/v1/templates/{id}/instantiate takes parameters in `parameters` or at the top level', () => {
    const found = matchRest('POST', '/api/v1/templates/static-site/instantiate');
    if (!found || !('route' in found)) throw new Error('no match');
    expect(
      restInput(found.route, found.params, {
        cluster_id: 'cls_1',
        title: 'Hi',
        parameters: { name: 'site' },
      }),
    ).toEqual({
      ok: true,
      input: {
        templateId: 'static-site',
        clusterId: 'cls_1',
        organizationId: undefined,
        projectId: undefined,
        parameters: { title: 'Hi', name: 'site' },
      },
    });
  });

  it('answers bad input naming the REST field, not the procedure’s', () => {
    const found = matchRest('GET', '/api/v1/clusters');
    if (!found || !('route' in found)) throw new Error('no match');
    const refused = restInput(found.route, found.params, {
      organization_id: 'not an id',
      sort: 'password',
    });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error.issues?.map((issue) => issue.path).sort()).toEqual([
      'organization_id',
      'sort',
    ]);
    expect(restInput(found.route, found.params, ['x'])).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
  });
});
