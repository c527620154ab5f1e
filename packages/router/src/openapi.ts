// The OpenAPI 3.1 document of the plain-HTTP API, generated from the same zod schemas and
// procedure meta that the router validates with, so it cannot drift from what is served.
import { z } from 'zod';
import { type RestRoute, restRoutes } from './rest.ts';
import { type Route, routes } from './routes.ts';

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType | undefined, io: 'input' | 'output'): JsonSchema | undefined {
  if (!schema) return undefined;
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

const errorResponses: Record<string, string> = {
  '400': 'Bad input: `error.issues` names each offending field',
  '401': 'Missing, invalid, expired or revoked bearer token',
  '403': 'Authenticated, but the role or grant does not allow this',
  '404': 'No such resource, or it belongs to an organization you are not in',
  '409':
    'Conflicts with the current state (duplicate name, deleting cluster, reused Idempotency-Key)',
  '413': 'Request body over 1 MiB (uploads: over APP_UPLOAD_MAX_BYTES)',
  '429': 'Too many attempts (see Retry-After)',
  '503': 'The database is not answering; retry shortly',
};

function queryParameters(input: JsonSchema | undefined, skip: readonly string[] = []) {
  const properties = (input?.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((input?.required ?? []) as string[]);
  return Object.entries(properties)
    .filter(([name]) => !skip.includes(name))
    .map(([name, schema]) => ({
      name,
      in: 'query',
      required: required.has(name),
      schema,
      ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
    }));
}

/** The path's parameters, typed from the input schema where it names them. */
function pathParameters(input: JsonSchema | undefined, names: readonly string[]) {
  const properties = (input?.properties ?? {}) as Record<string, JsonSchema>;
  return names.map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: properties[name] ?? { type: 'string' },
  }));
}

/** The JSON body's schema: the input without the fields the path carries. */
function bodySchema(input: JsonSchema, skip: readonly string[]): JsonSchema | undefined {
  if (skip.length === 0) return input;
  const properties = Object.fromEntries(
    Object.entries((input.properties ?? {}) as Record<string, JsonSchema>).filter(
      ([name]) => !skip.includes(name),
    ),
  );
  if (Object.keys(properties).length === 0) return undefined;
  const { required: all, ...rest } = input;
  const required = ((all ?? []) as string[]).filter((name) => !skip.includes(name));
  return { ...rest, properties, ...(required.length ? { required } : {}) };
}

const idempotencyHeader = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'Send the same key again to get the first answer instead of doing the work twice',
  schema: { type: 'string', maxLength: 200 },
};

/** A file upload: multipart with the file in `field`, or the archive as the whole body. */
function uploadBody(field: string) {
  const file = { type: 'string', contentMediaType: 'application/octet-stream' };
  return {
    required: true,
    content: {
      'multipart/form-data': {
        schema: { type: 'object', required: [field], properties: { [field]: file } },
      },
      'application/gzip': { schema: file },
      'application/x-tar': { schema: file },
    },
  };
}

interface Served {
  operationId: string;
  summary: string;
  description?: string;
  method: Route['method'];
  status: Route['status'];
  procedure: Route;
  params: readonly string[];
  input: JsonSchema | undefined;
  /** The success body's schema as sent. */
  body: (output: JsonSchema | undefined) => JsonSchema;
  output: JsonSchema | undefined;
}

function operation(served: Served) {
  const { procedure: route, input, params } = served;
  const [group] = route.path.split('.');
  const body = served.method !== 'GET' && input ? bodySchema(input, params) : undefined;
  const success =
    served.status === 204
      ? { description: 'Done (no content)' }
      : route.type === 'subscription'
        ? {
            description:
              'Server-sent events: `event: cluster | node | log`, `data:` the event as JSON',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          }
        : {
            description: 'Success',
            content: { 'application/json': { schema: served.body(served.output) } },
          };
  return {
    operationId: served.operationId,
    summary: served.summary,
    ...(served.description ? { description: served.description } : {}),
    tags: [group],
    ...(route.auth ? {} : { security: [] }),
    parameters: [
      ...pathParameters(input, params),
      ...(served.method === 'GET' ? queryParameters(input, params) : []),
      // An upload's other fields travel in the query string (the body is the file).
      ...(route.upload ? queryParameters(input, [...params, route.upload]) : []),
      ...(route.idempotent ? [idempotencyHeader] : []),
    ],
    ...(route.upload
      ? { requestBody: uploadBody(route.upload) }
      : body
        ? { requestBody: { required: true, content: { 'application/json': { schema: body } } } }
        : {}),
    responses: {
      [String(served.status)]: success,
      ...Object.fromEntries(
        Object.entries(errorResponses)
          .filter(([status]) => route.auth || status !== '401')
          .map(([status, description]) => [
            status,
            {
              description,
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
            },
          ]),
      ),
    },
  };
}

/** `/api/<procedure>`: the result in `{"result":{"data":…}}`. */
function procedureOperation(route: Route) {
  return operation({
    operationId: route.path,
    summary: route.summary,
    method: route.method,
    status: route.status,
    procedure: route,
    params: [],
    input: schemaOf(route.input, 'input'),
    output: schemaOf(route.output, 'output'),
    body: (output) => ({
      type: 'object',
      required: ['result'],
      properties: { result: { type: 'object', properties: { data: output ?? {} } } },
    }),
  });
}

/** `get_v1_clusters_by_id` for `GET /api/v1/clusters/{id}`. */
function restOperationId(alias: RestRoute): string {
  const words = alias.path
    .slice('/api/'.length)
    .split('/')
    .map((segment) => segment.replace(/^\{(.+)\}$/, 'by_$1').replace(/[^A-Za-z0-9_]+/g, '_'));
  return [alias.method.toLowerCase(), ...words].join('_');
}

/** A REST alias: the page's own shape, not wrapped. */
function restOperation(alias: RestRoute) {
  return operation({
    operationId: restOperationId(alias),
    summary: alias.procedure.summary,
    description: `The same as \`${alias.procedure.method} /api/${alias.procedure.path}\`, with this page's field names.`,
    method: alias.method,
    status: alias.status,
    procedure: alias.procedure,
    params: alias.params,
    input: schemaOf(alias.input ?? alias.procedure.input, 'input'),
    output: schemaOf(alias.output?.schema ?? alias.procedure.output, 'output'),
    body: (output) => output ?? {},
  });
}

export interface OpenApiOptions {
  version: string;
  serverUrl?: string;
}

export function buildOpenApiDocument({ version, serverUrl }: OpenApiOptions) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes.values()) {
    paths[`/api/${route.path}`] = { [route.method.toLowerCase()]: procedureOperation(route) };
  }
  for (const alias of restRoutes) {
    paths[alias.path] = {
      ...paths[alias.path],
      [alias.method.toLowerCase()]: restOperation(alias),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Flotilla API',
      version,
      description:
        'Clusters, nodes, access and audit. `/api/<procedure>`: GET takes plain query parameters, other methods a JSON body; success is `{"result":{"data":…}}`. REST paths (`/api/v1/…`) answer the same procedures with their pages\' field names and no envelope. Authenticate with `Authorization: Bearer <token>`.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', examples: ['BAD_REQUEST', 'NOT_FOUND', 'CONFLICT'] },
                message: { type: 'string' },
                issues: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['path', 'message'],
                    properties: { path: { type: 'string' }, message: { type: 'string' } },
                  },
                },
              },
            },
          },
        },
      },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;
