import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Config } from '@flotilla/config';
import type { Db, Sql } from '@flotilla/db';
import type { Logger } from '@flotilla/log';
import { type ApiMetrics, serveMetrics } from '@flotilla/metrics';
import {
  createRouterServices,
  databaseRetryAfterSeconds,
  type RouterServices,
  routerSettingsFromConfig,
} from '@flotilla/router';
import { buildOpenApiDocument } from '@flotilla/router/openapi';
import { createSealer } from '@flotilla/secrets';
import type { Redis } from 'ioredis';
import { renderDocs } from './docs.ts';
import { health } from './health.ts';
import { sendError, sendJson } from './http.ts';
import { serveApi } from './procedures.ts';
import { type QueueView, queueViewPath } from './queue-view.ts';
import { serveTrpc } from './trpc.ts';
import { version } from './version.ts';

export interface ApiDeps {
  config: Config;
  log: Logger;
  db: Db;
  sql: Sql;
  redis: Redis;
  /** The router's services; built from the rest when not given. */
  services?: RouterServices;
  /**
   * Serves everything outside /api, /trpc and /health: the dashboard (`createDashboardHandler`
   * in ./dashboard.ts). Returning `false` means "not mine": the API answers 404.
   */
  web?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
  /** `/metrics`, and the timing of every procedure call; without it neither. */
  metrics?: ApiMetrics;
  /** Bull Board under /admin/queues, for instance administrators (./queue-view.ts). */
  queueView?: QueueView;
}

export function createApiServer(deps: ApiDeps): Server {
  const services =
    deps.services ??
    createRouterServices({
      db: deps.db,
      sql: deps.sql,
      sealer: createSealer(deps.config.masterKey, { previousKeys: deps.config.previousMasterKeys }),
      log: deps.log,
      ...routerSettingsFromConfig(deps.config),
      version,
    });

  const openapi = buildOpenApiDocument({
    version,
    ...(deps.config.PUBLIC_URL ? { serverUrl: deps.config.PUBLIC_URL } : {}),
  });
  const openapiJson = JSON.stringify(openapi);
  const docsHtml = renderDocs(openapi);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const search = q === -1 ? '' : url.slice(q + 1);

    if (path === '/api/openapi.json' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      return void res.end(openapiJson);
    }
    if (path === '/api/docs' && req.method === 'GET') {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      });
      return void res.end(docsHtml);
    }
    const requests = deps.metrics?.requests;
    if (path.startsWith('/api/')) return serveApi(services, req, res, path, search, requests);
    if (path.startsWith('/trpc/')) return serveTrpc(services, req, res, path.slice(6), requests);
    if (path === '/metrics' && deps.metrics) {
      return serveMetrics(deps.metrics.registry, req, res, deps.config.METRICS_TOKEN);
    }
    if (deps.queueView && (path === queueViewPath || path.startsWith(`${queueViewPath}/`))) {
      return deps.queueView(req, res, url);
    }
    if (path === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      const report = await health(deps.sql, deps.redis);
      if (report.status === 'healthy') return sendJson(res, 200, report);
      // Load balancers and clients back off as they would for any other 503 of this API.
      return sendJson(res, 503, report, { 'retry-after': String(databaseRetryAfterSeconds) });
    }
    if (deps.web && (await deps.web(req, res)) !== false) return;
    sendError(res, 404, { code: 'NOT_FOUND', message: `No route for ${req.method} ${path}` });
  }

  return createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      deps.log.error({ err: error, url: req.url }, 'unhandled error');
      if (!res.headersSent) {
        sendError(res, 500, { code: 'INTERNAL_SERVER_ERROR', message: 'Internal error' });
      } else res.destroy();
    });
  });
}
