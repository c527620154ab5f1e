// The fast plain-HTTP path: `/api/<procedure>` parsed by hand and answered by calling the
// procedure through tRPC's caller (its middleware, input parser and resolver, exactly what the
// typed client gets), bypassing the tRPC HTTP adapter: its Request/Response conversion costs more
// than the whole rest of a cached `cluster.all`. A caller per request is a few proxies: measured
// no dearer than calling the procedure itself (13.7 µs per call either way).
//
// `/api/<procedure>` is one Map lookup; only a path that names no procedure is matched against
// the REST aliases (`GET /api/v1/clusters/{id}`), which answer the same procedures unwrapped.
//
// Each answer is timed into `flotilla_http_request_duration_seconds` through the route's timer,
// whose label set is bound once per procedure and status (@flotilla/metrics).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestMetrics, RouteTimer } from '@flotilla/metrics';
import {
  appRouter,
  type Context,
  createCallerFactory,
  createContext,
  describeError,
  httpStatusOf,
  matchRest,
  type RestRoute,
  type Route,
  type RouterServices,
  restInput,
  restIssues,
  routes,
} from '@flotilla/router';
import { TRPCError } from '@trpc/server';
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
import { readUpload } from './upload.ts';

const createCaller = createCallerFactory(appRouter);

// Routes come from the same modules as the router, so every path names a procedure.
type Caller = Record<string, Record<string, (input: unknown) => Promise<unknown>>>;

/** `caller.cluster.addNode(input)` for the route's dotted path. */
function callProcedure(
  route: Route,
  ctx: Context,
  input: unknown,
  signal?: AbortSignal,
): Promise<unknown> {
  const caller = createCaller(ctx, signal ? { signal } : undefined) as unknown as Caller;
  const [router = '', name = ''] = route.path.split('.');
  return (caller[router] as Caller[string])[name]!(input);
}

const heartbeatMs = 15_000;

/**
 * A subscription as server-sent events: `event: <kind>` and the event as JSON per message; log
 * lines carry their id, so a reconnect (`Last-Event-ID`) resumes after the last line seen.
 */
async function serveEvents(
  ctx: Context,
  res: ServerResponse,
  route: Route,
  input: unknown,
  headers: Record<string, string>,
  services: RouterServices,
  reshape: ((event: unknown) => unknown) | undefined,
  /** The stream opened, or was refused: the request's time ends here, not with the stream. */
  answered: () => void,
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
    sendError(res, httpStatusOf(error), describeError(error), headers);
    return answered();
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
  answered();
  const heartbeat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
  try {
    for await (const event of stream) {
      const id =
        (event.kind === 'log' || event.kind === 'stackLog') && event.id ? `id: ${event.id}\n` : '';
      const data = JSON.stringify(reshape ? reshape(event) : event);
      res.write(`${id}event: ${event.kind ?? 'message'}\ndata: ${data}\n\n`);
    }
  } catch (error) {
    services.log.warn({ err: error, path: route.path }, 'event stream ended with an error');
  } finally {
    clearInterval(heartbeat);
    res.end();
  }
}

function methodNotAllowed(res: ServerResponse, what: string, allow: string[], method = ''): void {
  sendError(
    res,
    405,
    {
      code: 'METHOD_NOT_SUPPORTED',
      message: `${what} is served with ${allow.join(' or ')}, not ${method}`,
    },
    { allow: allow.join(', ') },
  );
}

/** Everything under `/api/` but the OpenAPI document and the docs page. */
export function serveApi(
  services: RouterServices,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  search: string,
  requests?: RequestMetrics,
): Promise<void> | void {
  const started = performance.now();
  const name = path.slice('/api/'.length);
  const route = routes.get(name);
  if (route) {
    const timer = requests?.route('api', route.path);
    if (req.method !== route.method) {
      methodNotAllowed(res, name, [route.method], req.method);
      return timer?.observe(405, elapsed(started));
    }
    return serve(services, req, res, route, search, undefined, timer, started);
  }
  const match = matchRest(req.method ?? '', path);
  if (!match) {
    const message = name.includes('/')
      ? `No route for ${req.method} ${path}`
      : `No procedure ${name}`;
    sendError(res, 404, { code: 'NOT_FOUND', message });
    // Never a label from the path itself: anyone can send any path.
    return requests
      ?.route(name.includes('/') ? 'rest' : 'api', 'unknown')
      .observe(404, elapsed(started));
  }
  if ('allow' in match) {
    methodNotAllowed(res, path, match.allow, req.method);
    return requests?.route('rest', 'unknown').observe(405, elapsed(started));
  }
  const timer = requests?.route('rest', match.route.procedure.path);
  return serve(services, req, res, match.route.procedure, search, match, timer, started);
}

const elapsed = (started: number) => (performance.now() - started) / 1000;

/** Answers the request and times it: a failure nothing answered becomes server.ts's 500. */
async function serve(
  services: RouterServices,
  req: IncomingMessage,
  res: ServerResponse,
  route: Route,
  search: string,
  alias: { route: RestRoute; params: Record<string, string> } | undefined,
  timer: RouteTimer | undefined,
  started: number,
): Promise<void> {
  if (!timer) return answer(services, req, res, route, search, alias, () => {});
  let observed = false;
  const observe = (status: number) => {
    observed = true;
    timer.observe(status, elapsed(started));
  };
  try {
    await answer(services, req, res, route, search, alias, () => observe(res.statusCode));
  } catch (error) {
    if (!observed) observe(res.headersSent ? res.statusCode : 500);
    throw error;
  }
  // A subscription was timed when its stream opened; nothing sent: the client went away first.
  if (!observed && res.headersSent) observe(res.statusCode);
}

async function answer(
  services: RouterServices,
  req: IncomingMessage,
  res: ServerResponse,
  route: Route,
  search: string,
  alias: { route: RestRoute; params: Record<string, string> } | undefined,
  answered: () => void,
): Promise<void> {
  const info = requestInfo(req);
  const headers: Record<string, string> = { 'x-request-id': info.requestId };
  let input: unknown;
  try {
    // An upload route takes JSON too (stack.import: a compose file as text or as a file).
    const json = /^application\/json\b/i.test(req.headers['content-type'] ?? '');
    if (route.upload && !json) {
      // The file streams into the procedure, which checks access before reading it; the
      // rest of the input comes from the query string (and the path, for an alias).
      const upload = readUpload(req, route.upload, services.uploadMaxBytes);
      input = { ...upload.fields, ...queryInput(search), [route.upload]: upload.file };
      // A refused upload is not read to its end: the connection goes with the answer.
      headers.connection = 'close';
    } else if (req.method === 'GET') input = queryInput(search);
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
  if (alias) {
    const mapped = restInput(alias.route, alias.params, input);
    if (!mapped.ok) return sendError(res, 400, restError(alias.route, mapped.error), headers);
    input = mapped.input;
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
    return serveEvents(
      ctx,
      res,
      route,
      input,
      headers,
      services,
      alias?.route.output?.map,
      answered,
    );
  }
  try {
    const data = await callProcedure(route, ctx, input);
    Object.assign(headers, ctx.resHeaders);
    const status = alias ? alias.route.status : route.status;
    if (status === 204) {
      res.writeHead(204, headers);
      res.end();
      return;
    }
    if (!alias) return sendJson(res, status, { result: { data } }, headers);
    // A REST page's own shape: no envelope.
    const output = alias.route.output;
    sendJson(res, status, (output ? output.map(data) : data) ?? null, headers);
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    Object.assign(headers, ctx.resHeaders);
    const status = httpStatusOf(error);
    if (status >= 500)
      services.log.error({ err: error.cause ?? error, path: route.path }, 'procedure failed');
    const body = describeError(error);
    sendError(res, status, alias ? restError(alias.route, body) : body, headers);
  }
}

/** A handler's field errors named as the alias's page names the fields. */
function restError(route: RestRoute, body: ReturnType<typeof describeError>) {
  if (!body.issues) return body;
  const issues = restIssues(route, body.issues);
  return {
    ...body,
    issues,
    message: body.message.startsWith('Invalid input: ')
      ? body.message
      : issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '),
  };
}
