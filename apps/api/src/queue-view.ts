// The queue view for instance administrators: Bull Board (@bull-board/api and its built UI) under
// /admin/queues, served by this thin node:http glue instead of an Express or Hono adapter (the API
// has neither). Bull Board hands its server adapter its routes (IServerAdapter); they are matched
// here in the order given, as Express would.
//
// Every request is checked first (router: checkQueueViewAccess): the cookie `controlPlane.queueView`
// set for a dashboard session of an instance administrator. Requests that change something must
// come from this origin (Sec-Fetch-Site), and only some changes are allowed at all: retrying failed
// jobs and promoting delayed ones. Adding, editing, removing or cleaning jobs and pausing or
// emptying queues are refused: the control plane owns these queues (the outbox, deterministic job
// ids, routing to worker nodes), and a job it did not write would bypass all of that.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type {
  AppControllerRoute,
  AppViewRoute,
  BullBoardQueues,
  ControllerHandlerReturnType,
  HookContext,
  IServerAdapter,
  UIConfig,
} from '@bull-board/api/typings/app';
import type { Db } from '@flotilla/db';
import type { Logger } from '@flotilla/log';
import { type Queues, queueNamesInUse } from '@flotilla/queue';
import { checkQueueViewAccess, queueViewPath, type RouterServices } from '@flotilla/router';
import type { Queue } from 'bullmq';
import sirv from 'sirv';
import { ClientGone, HttpError, parseJsonBody, readBody, sendError } from './http.ts';

export { queueViewPath };

export interface QueueViewOptions {
  services: RouterServices;
  db: Db;
  queues: Queues;
  log: Logger;
}

export type QueueView = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;

interface CompiledRoute {
  methods: string[];
  pattern: RegExp;
  keys: string[];
  handler: AppControllerRoute['handler'];
}

/** `/api/queues/:queueName/:jobId` → a matcher with its parameter names. */
function compile(route: string): { pattern: RegExp; keys: string[] } {
  const keys: string[] = [];
  const source = route
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      keys.push(segment.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { pattern: new RegExp(`^${source}$`), keys };
}

/** Bull Board's server side, kept by the view: what `createBullBoard` hands an adapter. */
class NodeHttpAdapter implements IServerAdapter {
  queues: BullBoardQueues | undefined;
  viewsPath = '';
  staticPath = '';
  entry: AppViewRoute | undefined;
  entryPatterns: RegExp[] = [];
  errorHandler: ((error: Error) => ControllerHandlerReturnType) | undefined;
  routes: CompiledRoute[] = [];
  uiConfig: UIConfig = {};

  setQueues(queues: BullBoardQueues) {
    this.queues = queues;
    return this;
  }
  setViewsPath(path: string) {
    this.viewsPath = path;
    return this;
  }
  setStaticPath(_route: string, path: string) {
    this.staticPath = path;
    return this;
  }
  setEntryRoute(route: AppViewRoute) {
    this.entry = route;
    const routes = Array.isArray(route.route) ? route.route : [route.route];
    this.entryPatterns = routes.map((r) => compile(r).pattern);
    return this;
  }
  setErrorHandler(handler: (error: Error) => ControllerHandlerReturnType) {
    this.errorHandler = handler;
    return this;
  }
  setApiRoutes(routes: AppControllerRoute[]) {
    for (const route of routes) {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const path of Array.isArray(route.route) ? route.route : [route.route]) {
        this.routes.push({ methods, ...compile(path), handler: route.handler });
      }
    }
    return this;
  }
  setUIConfig(config: UIConfig) {
    this.uiConfig = config;
    return this;
  }
}

const readOnly =
  "Flotilla's queue view shows jobs, retries failed ones and promotes delayed ones; the control plane writes and removes its jobs itself";

/** Which of Bull Board's actions the view allows (every read is allowed). */
async function allowed({ method, route, request }: HookContext): Promise<boolean> {
  if (method === 'get') return true;
  if (route === '/api/queues/:queueName/retry/:queueStatus') {
    return request.params.queueStatus === 'failed';
  }
  if (route === '/api/queues/:queueName/:jobId/retry') {
    // Bull Board retries completed jobs too; a finished job of the control plane is not re-run.
    const queue = request.queues.get(String(request.params.queueName));
    const job = (await queue?.getJob(String(request.params.jobId))) as
      | { getState(): Promise<string> }
      | undefined;
    return (await job?.getState()) === 'failed';
  }
  return (
    route === '/api/queues/:queueName/promote' || route === '/api/queues/:queueName/:jobId/promote'
  );
}

const escapeHtml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/**
 * Bull Board's page template (index.ejs) needs only `<%= name %>` (escaped) and `<%- name %>`
 * (as given); anything else stops here rather than being shown half-rendered.
 */
export function renderTemplate(template: string, params: Record<string, string>): string {
  const html = template.replace(/<%([=-])\s*(\w+)\s*%>/g, (_, kind: string, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`queue view template: no value for ${name}`);
    return kind === '=' ? escapeHtml(value) : value;
  });
  if (html.includes('<%')) throw new Error('queue view template: unsupported EJS tag');
  return html;
}

// The page loads only its own scripts and styles (Bull Board's link to Google Fonts is not
// followed: the text falls back to the system's fonts), and nobody may frame it.
const pageHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'self'; form-action 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

interface Board {
  adapter: NodeHttpAdapter;
  assets: ReturnType<typeof sirv>;
  show(queues: Queue[]): void;
}

/** Bull Board, loaded when an administrator first opens the view (nothing of it before). */
async function loadBoard(): Promise<Board> {
  const [{ createBullBoard }, { BullMQAdapter }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
  ]);
  const adapter = new NodeHttpAdapter();
  const uiBasePath = dirname(createRequire(import.meta.url).resolve('@bull-board/ui/package.json'));
  const board = createBullBoard({
    queues: [],
    serverAdapter: adapter,
    options: {
      uiBasePath,
      uiConfig: {
        boardTitle: 'Flotilla queues',
        miscLinks: [{ text: 'Dashboard', url: '/admin' }],
        hideDocsLink: true,
      },
      handlerHooks: {
        async before(context) {
          return (await allowed(context))
            ? undefined
            : { allow: false, status: 403, message: readOnly };
        },
      },
    },
  });
  return {
    adapter,
    assets: sirv(adapter.staticPath, { immutable: true, dev: false }),
    show: (queues) => board.replaceQueues(queues.map((queue) => new BullMQAdapter(queue))),
  };
}

export function createQueueView({ services, db, queues, log }: QueueViewOptions): QueueView {
  let loading: Promise<Board> | undefined;
  const boardOf = () => {
    loading ??= loadBoard().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
  let template: Promise<string> | undefined;

  // The shared queues, and the worker nodes' own that routing can have put jobs in; the list is
  // read again at most every 10 s (a pin names a new node now and then).
  let shown = '';
  let listedAt = 0;
  async function refreshQueues(board: Board): Promise<void> {
    if (Date.now() - listedAt < 10_000) return;
    listedAt = Date.now();
    const names = await queueNamesInUse(db);
    if (names.join() === shown) return;
    shown = names.join();
    board.show(names.map((name) => queues.get(name)));
  }

  async function api(
    { adapter }: Board,
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    search: string,
  ) {
    const method = (req.method ?? 'GET').toLowerCase();
    let allow: string[] = [];
    for (const route of adapter.routes) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      if (!route.methods.includes(method)) {
        allow = [...allow, ...route.methods];
        continue;
      }
      let params: Record<string, string>;
      try {
        params = Object.fromEntries(
          route.keys.map((key, i) => [key, decodeURIComponent(match[i + 1] ?? '')]),
        );
      } catch {
        return sendError(res, 400, { code: 'BAD_REQUEST', message: `${path}: malformed escape` });
      }
      const body = method === 'get' ? undefined : parseJsonBody(await readBody(req));
      let answer: ControllerHandlerReturnType;
      try {
        answer = await route.handler({
          queues: adapter.queues as BullBoardQueues,
          uiConfig: adapter.uiConfig,
          query: Object.fromEntries(new URLSearchParams(search)),
          params,
          body: body && typeof body === 'object' ? (body as Record<string, unknown>) : {},
          headers: req.headers as Record<string, string | undefined>,
        });
      } catch (error) {
        log.warn({ err: error, path }, 'queue view request failed');
        answer = adapter.errorHandler?.(error as Error) ?? { status: 500, body: {} };
      }
      const status = answer.status ?? 200;
      if (status === 204) {
        res.writeHead(204, { 'cache-control': 'no-store' });
        return void res.end();
      }
      const payload = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      res.writeHead(status, {
        'content-type':
          typeof answer.body === 'string'
            ? 'text/plain; charset=utf-8'
            : 'application/json; charset=utf-8',
        'cache-control': 'no-store',
      });
      return void res.end(payload);
    }
    if (allow.length) {
      const methods = [...new Set(allow)].map((m) => m.toUpperCase());
      return sendError(
        res,
        405,
        { code: 'METHOD_NOT_SUPPORTED', message: `${path} is served with ${methods.join(' or ')}` },
        { allow: methods.join(', ') },
      );
    }
    sendError(res, 404, {
      code: 'NOT_FOUND',
      message: `No route for ${req.method} ${queueViewPath}${path}`,
    });
  }

  async function page({ adapter }: Board, res: ServerResponse) {
    const entry = adapter.entry as AppViewRoute;
    const { name, params } = entry.handler({
      basePath: `${queueViewPath}/`,
      uiConfig: adapter.uiConfig,
    });
    template ??= readFile(join(adapter.viewsPath, name), 'utf8');
    res.writeHead(200, pageHeaders);
    res.end(renderTemplate(await template, params));
  }

  return async (req, res, url) => {
    const q = url.indexOf('?');
    const full = q === -1 ? url : url.slice(0, q);
    const search = q === -1 ? '' : url.slice(q + 1);
    if (full === queueViewPath) {
      res.writeHead(302, { location: `${queueViewPath}/` });
      return void res.end();
    }
    const path = full.slice(queueViewPath.length) || '/';
    const access = await checkQueueViewAccess(services, req.headers.cookie);
    if (!access.ok) {
      return sendError(res, access.status, {
        code: access.status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN',
        message: access.message,
      });
    }
    // The cookie is SameSite=Strict already; a change must also say it came from this origin.
    const site = req.headers['sec-fetch-site'];
    if (
      req.method !== 'GET' &&
      req.method !== 'HEAD' &&
      site !== undefined &&
      site !== 'same-origin'
    ) {
      return sendError(res, 403, {
        code: 'FORBIDDEN',
        message: 'The queue view takes changes from its own pages only',
      });
    }
    try {
      const board = await boardOf();
      if (path.startsWith('/static/')) {
        req.url = path.slice('/static'.length) + (search ? `?${search}` : '');
        return board.assets(req, res, () =>
          sendError(res, 404, { code: 'NOT_FOUND', message: 'No such file' }),
        );
      }
      if (path.startsWith('/api/')) {
        await refreshQueues(board);
        return await api(board, req, res, path, search);
      }
      if (
        (req.method === 'GET' || req.method === 'HEAD') &&
        board.adapter.entryPatterns.some((p) => p.test(path))
      ) {
        return await page(board, res);
      }
      sendError(res, 404, { code: 'NOT_FOUND', message: `No route for ${req.method} ${full}` });
    } catch (error) {
      if (error instanceof ClientGone) return;
      if (error instanceof HttpError) return sendError(res, error.status, error.body);
      throw error;
    }
  };
}
