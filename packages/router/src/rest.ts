// REST aliases: the same procedures at the paths and with the field names of REST pages
// (`GET /api/v1/clusters/{id}` answers `cluster.one` with `node_count`, `created_at`, …).
// One line per alias in `restRoutes`; the input and output mappings live beside the
// procedure's schema (`routers/<router>/<name>.schema.ts`). The /api fast path matches an
// alias only after `/api/<procedure>` missed, so aliases cost the hot path nothing; the OpenAPI
// document lists them.
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { z } from 'zod';
import type { AppRouter } from './app.ts';
import { describeZodError, type ErrorBody } from './errors.ts';
import { appAllRestInput, appListToRest } from './routers/app/all.schema.ts';
import { appAuditRestInput, appAuditToRest } from './routers/app/audit.schema.ts';
import { appBuildRestInput } from './routers/app/build.schema.ts';
import { appBuildLogRestInput, appBuildLogToRest } from './routers/app/buildLog.schema.ts';
import { appCancelDeploymentRestInput } from './routers/app/cancelDeployment.schema.ts';
import { appCreateRestInput, appToRest } from './routers/app/create.schema.ts';
import { appDeployRestInput, deploymentToRest } from './routers/app/deploy.schema.ts';
import { appDeploymentsRestInput, deploymentListToRest } from './routers/app/deployments.schema.ts';
import { appEventsRestInput } from './routers/app/events.schema.ts';
import { appLogStreamRestInput } from './routers/app/logStream.schema.ts';
import { appLogsRestInput, logsToRest } from './routers/app/logs.schema.ts';
import { appMetricsRestInput, appMetricsToRest } from './routers/app/metrics.schema.ts';
import { appOneRestInput } from './routers/app/one.schema.ts';
import { appPodsRestInput, podsToRest } from './routers/app/pods.schema.ts';
import { appRemoveRestInput } from './routers/app/remove.schema.ts';
import { appRestartRestInput } from './routers/app/restart.schema.ts';
import { appRollbackRestInput } from './routers/app/rollback.schema.ts';
import { restAppFields } from './routers/app/schema.ts';
import { appStatusRestInput, appStatusToRest } from './routers/app/status.schema.ts';
import { appUpdateRestInput } from './routers/app/update.schema.ts';
import {
  activateNodeRestInput,
  activateNodeToRest,
} from './routers/cluster/activateNode.schema.ts';
import { drainNodeRestInput, drainNodeToRest } from './routers/cluster/drainNode.schema.ts';
import {
  evacuateNodeRestInput,
  evacuateNodeToRest,
} from './routers/cluster/evacuateNode.schema.ts';
import { clusterNodeRestInput, nodeToRestOutput } from './routers/cluster/node.schema.ts';
import { clusterNodesRestInput, nodeListToRest } from './routers/cluster/nodes.schema.ts';
import { databaseAllRestInput, databaseListToRest } from './routers/database/all.schema.ts';
import { databaseBindRestInput } from './routers/database/bind.schema.ts';
import { databaseCreateRestInput, databaseToRest } from './routers/database/create.schema.ts';
import { databaseOneRestInput } from './routers/database/one.schema.ts';
import { databaseRemoveRestInput } from './routers/database/remove.schema.ts';
import { restDatabaseFields } from './routers/database/schema.ts';
import { databaseUnbindRestInput } from './routers/database/unbind.schema.ts';
import {
  platformClusterRestInput,
  platformClusterToRestOutput,
} from './routers/platform/cluster.schema.ts';
import {
  platformClustersRestInput,
  platformClustersToRest,
} from './routers/platform/clusters.schema.ts';
import { platformConfigToRest } from './routers/platform/config.schema.ts';
import { platformStatsRestInput, platformStatsToRest } from './routers/platform/stats.schema.ts';
import {
  templateInstantiateRestInput,
  templateInstantiateToRest,
} from './routers/template/instantiate.schema.ts';
import { templateOneRestInput } from './routers/template/one.schema.ts';
import { type Route, routes } from './routes.ts';
import type { RestOutput } from './schemas/rest.ts';
import type { HttpMethod } from './trpc.ts';

type Inputs = inferRouterInputs<AppRouter>;
type Outputs = inferRouterOutputs<AppRouter>;

/** Every procedure's dotted path, `cluster.one`. */
export type ProcedurePath = {
  [R in keyof Inputs & string]: `${R}.${keyof Inputs[R] & string}`;
}[keyof Inputs & string];

type At<T, P> = P extends `${infer R}.${infer N}`
  ? R extends keyof T
    ? N extends keyof T[R]
      ? T[R][N]
      : never
    : never
  : never;

export interface RestMapping<P extends ProcedurePath> {
  /**
   * From the request (the JSON body, or the query for GET, with the path's parameters on top)
   * to the procedure's input: a zod schema, so bad input is a 400 naming the REST field.
   * Without it the request goes to the procedure as it is.
   */
  input?: z.ZodType<At<Inputs, P>>;
  /** From the procedure's result to the page's shape; without it the result as it is. */
  output?: RestOutput<At<Outputs, P>>;
  /** The success status, when not the procedure's. */
  status?: 200 | 201 | 204;
  /**
   * The procedure's input fields as the page names them (`imageUrl` → `image_url`), so a 400
   * raised by the handler names the field the caller sent.
   */
  fields?: Readonly<Record<string, string>>;
}

export interface RestRoute {
  method: HttpMethod;
  /** The path template, `/api/v1/clusters/{id}` (OpenAPI's syntax). */
  path: string;
  /** The template's parameter names, in order. */
  params: string[];
  /** The procedure that answers. */
  procedure: Route;
  status: 200 | 201 | 204;
  input: z.ZodType | undefined;
  output: RestOutput | undefined;
  fields: Readonly<Record<string, string>> | undefined;
}

const paramPattern = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** One alias: `rest('GET', '/api/v1/clusters/{id}', 'cluster.one', { input, output })`. */
export function rest<P extends ProcedurePath>(
  method: HttpMethod,
  path: string,
  procedure: P,
  mapping: RestMapping<P> = {},
): RestRoute {
  const route = routes.get(procedure);
  if (!route) throw new Error(`REST alias ${method} ${path}: no procedure ${procedure}`);
  // `/api/<name>` without a slash is a procedure's own path; an alias must not shadow one.
  if (!/^\/api\/[^/]+\/./.test(path)) {
    throw new Error(`REST alias ${method} ${path}: must look like /api/<segment>/<segment>…`);
  }
  const params: string[] = [];
  for (const segment of path.split('/').slice(1)) {
    const name = paramPattern.exec(segment)?.[1];
    if (name) params.push(name);
    else if (segment.includes('{') || segment === '') {
      throw new Error(`REST alias ${method} ${path}: bad segment "${segment}"`);
    }
  }
  return {
    method,
    path,
    params,
    procedure: route,
    status: mapping.status ?? route.status,
    input: mapping.input,
    output: mapping.output as RestOutput | undefined,
    fields: mapping.fields,
  };
}

/** An error's field paths in the page's names (`publishedPort` → `published_port`). */
export function restIssues<T extends { path: string }>(route: RestRoute, issues: T[]): T[] {
  const fields = route.fields;
  if (!fields) return issues;
  return issues.map((issue) => {
    const [first = '', ...rest] = issue.path.split('.');
    const renamed = fields[first];
    return renamed ? { ...issue, path: [renamed, ...rest].join('.') } : issue;
  });
}

/** Every REST alias. Add one line per alias; its mappings go beside the procedure's schema. */
export const restRoutes: readonly RestRoute[] = [
  // The cluster-admin page: its fields are the procedures' own.
  rest('GET', '/api/cluster/overview', 'controlPlane.overview'),
  rest('GET', '/api/cluster/instances', 'controlPlane.instances'),
  rest('PUT', '/api/cluster/assignments/{entityType}/{entityId}', 'controlPlane.setAssignment'),
  rest(
    'DELETE',
    '/api/cluster/assignments/{entityType}/{entityId}',
    'controlPlane.deleteAssignment',
  ),
  // The platform page (platform-clusters-nodes-databases): clusters and nodes in its shape and
  // status vocabulary, templates, stats, the public configuration.
  rest('GET', '/api/v1/clusters', 'platform.clusters', {
    input: platformClustersRestInput,
    output: platformClustersToRest,
  }),
  rest('GET', '/api/v1/clusters/{id}', 'platform.cluster', {
    input: platformClusterRestInput,
    output: platformClusterToRestOutput,
  }),
  rest('GET', '/api/v1/nodes', 'cluster.nodes', {
    input: clusterNodesRestInput,
    output: nodeListToRest,
    fields: { clusterId: 'cluster_id', organizationId: 'organization_id' },
  }),
  rest('GET', '/api/v1/nodes/{id}', 'cluster.node', {
    input: clusterNodeRestInput,
    output: nodeToRestOutput,
  }),
  rest('POST', '/api/v1/nodes/{id}/drain', 'cluster.drainNode', {
    input: drainNodeRestInput,
    output: drainNodeToRest,
    fields: { nodeId: 'id' },
  }),
  // Not on the page: the way back from drain, and moving a node's work away.
  rest('POST', '/api/v1/nodes/{id}/activate', 'cluster.activateNode', {
    input: activateNodeRestInput,
    output: activateNodeToRest,
    fields: { nodeId: 'id' },
  }),
  rest('POST', '/api/v1/nodes/{id}/evacuate', 'cluster.evacuateNode', {
    input: evacuateNodeRestInput,
    output: evacuateNodeToRest,
    fields: { nodeId: 'id' },
  }),
  rest('GET', '/api/v1/templates', 'template.all'),
  rest('GET', '/api/v1/templates/{id}', 'template.one', { input: templateOneRestInput }),
  rest('POST', '/api/v1/templates/{id}/instantiate', 'template.instantiate', {
    input: templateInstantiateRestInput,
    output: templateInstantiateToRest,
    fields: {
      templateId: 'id',
      organizationId: 'organization_id',
      projectId: 'project_id',
      clusterId: 'cluster_id',
    },
  }),
  rest('GET', '/api/v1/stats', 'platform.stats', {
    input: platformStatsRestInput,
    output: platformStatsToRest,
    fields: { organizationId: 'organization_id' },
  }),
  rest('GET', '/api/v1/platform/config', 'platform.config', { output: platformConfigToRest }),
  // The apps page (apps-api): every endpoint at its own path, with its field names.
  rest('GET', '/api/v1/apps', 'app.all', {
    input: appAllRestInput,
    output: appListToRest,
    fields: restAppFields,
  }),
  rest('POST', '/api/v1/apps', 'app.create', {
    input: appCreateRestInput,
    output: appToRest,
    fields: restAppFields,
  }),
  rest('GET', '/api/v1/apps/{id}', 'app.one', { input: appOneRestInput, output: appToRest }),
  rest('PATCH', '/api/v1/apps/{id}', 'app.update', {
    input: appUpdateRestInput,
    output: appToRest,
    fields: restAppFields,
  }),
  rest('DELETE', '/api/v1/apps/{id}', 'app.remove', { input: appRemoveRestInput }),
  rest('POST', '/api/v1/apps/{id}/deploy', 'app.deploy', {
    input: appDeployRestInput,
    output: deploymentToRest,
    fields: { ...restAppFields, timeoutSeconds: 'timeout_seconds' },
  }),
  rest('POST', '/api/v1/apps/{id}/restart', 'app.restart', { input: appRestartRestInput }),
  rest('POST', '/api/v1/apps/{id}/build', 'app.build', {
    input: appBuildRestInput,
    output: deploymentToRest,
    fields: restAppFields,
  }),
  rest('GET', '/api/v1/apps/{id}/status', 'app.status', {
    input: appStatusRestInput,
    output: appStatusToRest,
  }),
  rest('GET', '/api/v1/apps/{id}/logs', 'app.logs', {
    input: appLogsRestInput,
    output: logsToRest,
  }),
  rest('GET', '/api/v1/apps/{id}/logs/stream', 'app.logStream', {
    input: appLogStreamRestInput,
  }),
  rest('GET', '/api/v1/apps/{id}/build-log', 'app.buildLog', {
    input: appBuildLogRestInput,
    output: appBuildLogToRest,
    fields: { buildId: 'build_id', afterId: 'after_id' },
  }),
  rest('GET', '/api/v1/apps/{id}/metrics', 'app.metrics', {
    input: appMetricsRestInput,
    output: appMetricsToRest,
  }),
  rest('GET', '/api/v1/apps/{id}/deployments', 'app.deployments', {
    input: appDeploymentsRestInput,
    output: deploymentListToRest,
  }),
  rest('POST', '/api/v1/apps/{id}/deployments/{deploymentId}/revert', 'app.rollback', {
    input: appRollbackRestInput,
    output: deploymentToRest,
    fields: restAppFields,
  }),
  rest('POST', '/api/v1/apps/{id}/deployments/{deploymentId}/cancel', 'app.cancelDeployment', {
    input: appCancelDeploymentRestInput,
    output: deploymentToRest,
    fields: restAppFields,
  }),
  rest('GET', '/api/v1/apps/{id}/pods', 'app.pods', {
    input: appPodsRestInput,
    output: podsToRest,
  }),
  rest('GET', '/api/v1/apps/{id}/events', 'app.events', { input: appEventsRestInput }),
  rest('GET', '/api/v1/apps/{id}/audit', 'app.audit', {
    input: appAuditRestInput,
    output: appAuditToRest,
  }),
  // Managed databases (platform-clusters-nodes-databases), with the page's field names.
  rest('GET', '/api/v1/managed-databases', 'database.all', {
    input: databaseAllRestInput,
    output: databaseListToRest,
    fields: restDatabaseFields,
  }),
  rest('POST', '/api/v1/managed-databases', 'database.create', {
    input: databaseCreateRestInput,
    output: databaseToRest,
    fields: restDatabaseFields,
  }),
  rest('GET', '/api/v1/managed-databases/{id}', 'database.one', {
    input: databaseOneRestInput,
    output: databaseToRest,
  }),
  rest('DELETE', '/api/v1/managed-databases/{id}', 'database.remove', {
    input: databaseRemoveRestInput,
  }),
  rest('POST', '/api/v1/managed-databases/{id}/bind', 'database.bind', {
    input: databaseBindRestInput,
    output: databaseToRest,
    fields: restDatabaseFields,
  }),
  // Not on the page: the way back from bind.
  rest('POST', '/api/v1/managed-databases/{id}/unbind', 'database.unbind', {
    input: databaseUnbindRestInput,
    output: databaseToRest,
  }),
];

// Matching: a tree of path segments, static segments before parameters, built once.
interface PathNode {
  static: Map<string, PathNode>;
  param?: { name: string; node: PathNode };
  methods: Map<string, RestRoute>;
}

const newNode = (): PathNode => ({ static: new Map(), methods: new Map() });

function buildTree(aliases: readonly RestRoute[]): PathNode {
  const root = newNode();
  for (const alias of aliases) {
    let node = root;
    for (const segment of alias.path.split('/').slice(1)) {
      const name = paramPattern.exec(segment)?.[1];
      if (name) {
        if (node.param && node.param.name !== name) {
          throw new Error(
            `REST alias ${alias.path}: {${name}} where another alias has {${node.param.name}}`,
          );
        }
        node.param ??= { name, node: newNode() };
        node = node.param.node;
      } else {
        const next = node.static.get(segment) ?? newNode();
        node.static.set(segment, next);
        node = next;
      }
    }
    if (node.methods.has(alias.method)) {
      throw new Error(`REST alias ${alias.method} ${alias.path} is defined twice`);
    }
    node.methods.set(alias.method, alias);
  }
  return root;
}

function find(node: PathNode, segments: string[], at: number, values: string[]): PathNode | null {
  if (at === segments.length) return node.methods.size > 0 ? node : null;
  const segment = segments[at] as string;
  const exact = node.static.get(segment);
  if (exact) {
    const found = find(exact, segments, at + 1, values);
    if (found) return found;
  }
  if (node.param && segment !== '') {
    values.push(segment);
    const found = find(node.param.node, segments, at + 1, values);
    if (found) return found;
    values.pop();
  }
  return null;
}

export type RestMatch =
  | { route: RestRoute; params: Record<string, string> }
  /** The path is an alias's, the method is not: answer 405 with these in `Allow`. */
  | { allow: string[] };

/**
 * A matcher over `aliases`: `method path` (without the query) → the alias and its parameters,
 * `{ allow }` when only the method is wrong, null when no alias has the path.
 */
export function restMatcher(aliases: readonly RestRoute[]) {
  const tree = buildTree(aliases);
  return (method: string, path: string): RestMatch | null => {
    let segments: string[];
    try {
      segments = path.split('/').slice(1).map(decodeURIComponent);
    } catch {
      return null; // malformed percent-encoding: no such path
    }
    const values: string[] = [];
    const node = find(tree, segments, 0, values);
    if (!node) return null;
    const route = node.methods.get(method);
    if (!route) return { allow: [...node.methods.keys()] };
    const params: Record<string, string> = {};
    route.params.forEach((name, index) => {
      params[name] = values[index] as string;
    });
    return { route, params };
  };
}

export const matchRest = restMatcher(restRoutes);

/**
 * The procedure's input for an alias: the request's JSON object (body, or query for GET) with
 * the path's parameters on top, through the alias's input mapping.
 */
export function restInput(
  route: RestRoute,
  params: Record<string, string>,
  given: unknown,
): { ok: true; input: unknown } | { ok: false; error: ErrorBody } {
  if (
    given !== undefined &&
    (typeof given !== 'object' || given === null || Array.isArray(given))
  ) {
    const issues = [{ path: '(input)', message: 'must be a JSON object' }];
    return {
      ok: false,
      error: {
        code: 'BAD_REQUEST',
        message: 'Invalid input: (input): must be a JSON object',
        issues,
      },
    };
  }
  const request = { ...(given as Record<string, unknown> | undefined), ...params };
  if (!route.input) return { ok: true, input: request };
  const parsed = route.input.safeParse(request);
  return parsed.success
    ? { ok: true, input: parsed.data }
    : { ok: false, error: describeZodError(parsed.error) };
}
