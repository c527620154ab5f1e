import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Config } from '@flotilla/config';
import type { Db, Sql } from '@flotilla/db';
import type { Logger } from '@flotilla/log';
import type { Redis } from 'ioredis';
import { health } from './health.ts';

export interface ApiDeps {
  config: Config;
  log: Logger;
  db: Db;
  sql: Sql;
  redis: Redis;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

export function createApiServer(deps: ApiDeps): Server {
  return createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (path === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
        const report = await health(deps.sql, deps.redis);
        return sendJson(res, report.status === 'healthy' ? 200 : 503, report);
      }
      sendJson(res, 404, {
        error: { code: 'NOT_FOUND', message: `No route for ${req.method} ${path}` },
      });
    } catch (error) {
      deps.log.error({ err: error, path }, 'unhandled error');
      if (!res.headersSent) {
        sendJson(res, 500, { error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal error' } });
      } else res.destroy();
    }
  });
}
