// The fast plain-HTTP path: `/api/<procedure>` parsed by hand and answered by calling the
// router's procedure itself (its middleware, input parser and resolver, exactly what a tRPC
// caller runs), bypassing the tRPC HTTP adapter: its Request/Response conversion costs more than
// the whole rest of a cached `cluster.all`. No caller proxy is built per request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  appRouter,
  type Context,
  createContext,
  describeError,
  httpStatusOf,
  type Route,
  type RouterServices,
  routes,
} from '@flotilla/router';
import { type AnyTRPCProcedure, TRPCError } from '@trpc/server';
import {
  ClientGone,
  HttpError,
  parseJsonBody,
  queryInput,
  readBody,
  requestInfo,
  sendError,
  sendJson,
} from './http.ts';

// The router is built eagerly (no lazy sub-routers), so every procedure is here by its dotted path.
const procedures = appRouter._def.procedures as unknown as Record<string, AnyTRPCProcedure>;

/** Runs a procedure as `createCaller(ctx)[path](input)` does, minus the proxy and path lookup. */
function callProcedure(
  route: Route,
  ctx: Context,
  input: unknown,
  signal?: AbortSignal,
): Promise<unknown> {
  const procedure = procedures[route.path];
  if (!procedure) throw new Error(`procedure ${route.path} is not in the router`);
  return procedure({
    path: route.path,
    type: route.type,
    ctx,
    getRawInput: () => Promise.resolve(input),
    signal,
    batchIndex: 0,
  });
}

const heartbeatMs = 15_000;

/**
 * A subscription as server-sent events: `event: <kind>` and the event as JSON per message; log
 * lines carry their id, so a reconnect (`Last-Event-ID`) resumes after the last line seen.
 */
async function serveEvents(
  ctx: ReturnType<typeof createContext>,
  res: ServerResponse,
  route: Route,
  input: unknown,
  headers: Record<string, string>,
  services: RouterServices,
): Promise<void> {
  const controller = new AbortController();
  res.on('close', () => controller.abort());
  type StreamEvent = { kind?: string; id?: string };
  let stream: AsyncIterable<StreamEvent>;
  try {
    stream = (await callProcedure(
      route,
      ctx,
      input,
      controller.signal,
    )) as AsyncIterable<StreamEvent>;
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    return sendError(res, httpStatusOf(error), describeError(error), headers);
  }
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // Proxies (nginx) would otherwise buffer the stream.
    'x-accel-buffering': 'no',
  });
  res.write(': connected\n\n');
  const heartbeat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
  try {
    for await (const event of stream) {
      const id = event.kind === 'log' && event.id ? `id: ${event.id}\n` : '';
      res.write(`${id}event: ${event.kind ?? 'message'}\ndata: ${JSON.stringify(event)}\n\n`);
    }
  } catch (error) {
    services.log.warn({ err: error, path: route.path }, 'event stream ended with an error');
  } finally {
    clearInterval(heartbeat);
    res.end();
  }
}

export function routeFor(name: string): Route | undefined {
  return routes.get(name);
}

export async function serveProcedure(
  services: RouterServices,
  req: IncomingMessage,
  res: ServerResponse,
  route: Route,
  search: string,
): Promise<void> {
  const info = requestInfo(req);
  const headers: Record<string, string> = { 'x-request-id': info.requestId };
  let input: unknown;
  try {
    if (req.method === 'GET') input = queryInput(search);
    else {
      input = parseJsonBody(await readBody(req));
      // A DELETE without a body may carry its input as query parameters.
      if (input === undefined) input = queryInput(search);
    }
    // No input at all is an empty object, so zod names each missing field.
    if (input === undefined && route.input) input = {};
  } catch (error) {
    if (error instanceof ClientGone) return;
    if (error instanceof HttpError) {
      if (error.status === 413) headers.connection = 'close';
      return sendError(res, error.status, error.body, headers);
    }
    throw error;
  }

  const ctx = createContext(services, info);
  if (route.type === 'subscription') {
    // A reconnecting EventSource says where it left off; the stream resumes from there.
    const lastEventId = req.headers['last-event-id'];
    if (
      typeof lastEventId === 'string' &&
      input &&
      typeof input === 'object' &&
      !('afterLogId' in input)
    ) {
      input = { ...input, afterLogId: lastEventId };
    }
    return serveEvents(ctx, res, route, input, headers, services);
  }
  try {
    const data = await callProcedure(route, ctx, input);
    Object.assign(headers, ctx.resHeaders);
    if (route.status === 204) {
      res.writeHead(204, headers);
      res.end();
      return;
    }
    sendJson(res, route.status, { result: { data } }, headers);
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    Object.assign(headers, ctx.resHeaders);
    const status = httpStatusOf(error);
    if (status >= 500)
      services.log.error({ err: error.cause ?? error, path: route.path }, 'procedure failed');
    sendError(res, status, describeError(error), headers);
  }
}
