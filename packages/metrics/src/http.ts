// `/metrics` in Prometheus's text format: on the API's own port, and on a small listener of its
// own in each worker (WORKER_METRICS_PORT). With METRICS_TOKEN set, only a scraper sending it as a
// bearer token is answered (Prometheus: `authorization: { credentials: … }`).
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers = {},
) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify({ error: { code, message } }));
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Whether the request carries `token` as its bearer token (compared in constant time). */
export function hasBearerToken(req: IncomingMessage, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return Boolean(match?.[1]) && timingSafeEqual(digest(match?.[1] ?? ''), digest(token));
}

/** Answers a request for `/metrics` (any method but GET/HEAD is a 405). */
export async function serveMetrics(
  registry: Registry,
  req: IncomingMessage,
  res: ServerResponse,
  token: string | undefined,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendError(
      res,
      405,
      'METHOD_NOT_SUPPORTED',
      `/metrics is served with GET, not ${req.method}`,
      {
        allow: 'GET, HEAD',
      },
    );
  }
  if (token && !hasBearerToken(req, token)) {
    return sendError(
      res,
      401,
      'UNAUTHORIZED',
      'Metrics need Authorization: Bearer <METRICS_TOKEN>',
      {
        'www-authenticate': 'Bearer realm="metrics"',
      },
    );
  }
  const body = await registry.metrics();
  res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

export interface MetricsServerOptions {
  registry: Registry;
  host: string;
  /** 0: any free port (the URL says which). */
  port: number;
  token?: string | undefined;
  onError?: (error: unknown) => void;
}

/** A listener that serves `/metrics` only. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const answered =
      path === '/metrics'
        ? serveMetrics(options.registry, req, res, options.token)
        : Promise.resolve(sendError(res, 404, 'NOT_FOUND', `No route for ${req.method} ${path}`));
    answered.catch((error: unknown) => {
      options.onError?.(error);
      if (!res.headersSent) sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Metrics not collected');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
