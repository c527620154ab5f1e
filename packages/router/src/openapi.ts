// The OpenAPI 3.1 document of the plain-HTTP API, generated from the same zod schemas and
// procedure meta that the router validates with, so it cannot drift from what is served.
import { z } from 'zod';
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
  '413': 'Request body over 1 MiB',
  '429': 'Too many attempts (see Retry-After)',
  '503': 'The database is not answering; retry shortly',
};

function queryParameters(input: JsonSchema | undefined) {
  const properties = (input?.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((input?.required ?? []) as string[]);
  return Object.entries(properties).map(([name, schema]) => ({
    name,
    in: 'query',
    required: required.has(name),
    schema,
    ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
  }));
}

function operation(route: Route) {
  const input = schemaOf(route.input, 'input');
  const output = schemaOf(route.output, 'output');
  const [group] = route.path.split('.');
  const success =
    route.status === 204
      ? { description: 'Done (no content)' }
      : route.type === 'subscription'
        ? {
            description:
              'Server-sent events: `event: cluster | node | log`, `data:` the event as JSON',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          }
        : {
            description: 'Success',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['result'],
                  properties: {
                    result: {
                      type: 'object',
                      properties: { data: output ?? {} },
                    },
                  },
                },
              },
            },
          };
  const idempotent = route.path === 'cluster.create' || route.path === 'cluster.addNode';
  return {
    operationId: route.path,
    summary: route.summary,
    tags: [group],
    ...(route.auth ? {} : { security: [] }),
    parameters: [
      ...(route.method === 'GET' ? queryParameters(input) : []),
      ...(idempotent
        ? [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description:
                'Send the same key again to get the first answer instead of a second cluster or node',
              schema: { type: 'string', maxLength: 200 },
            },
          ]
        : []),
    ],
    ...(route.method !== 'GET' && input
      ? { requestBody: { required: true, content: { 'application/json': { schema: input } } } }
      : {}),
    responses: {
      [String(route.status)]: success,
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

export interface OpenApiOptions {
  version: string;
  serverUrl?: string;
}

export function buildOpenApiDocument({ version, serverUrl }: OpenApiOptions) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes.values()) {
    paths[`/api/${route.path}`] = { [route.method.toLowerCase()]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Flotilla API',
      version,
      description:
        'Clusters, nodes, access and audit. GET takes plain query parameters, other methods a JSON body; success is `{"result":{"data":…}}`. Authenticate with `Authorization: Bearer <token>`.',
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
