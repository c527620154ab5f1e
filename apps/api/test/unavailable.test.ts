// With the database gone, the API answers 503 (retry later) at once: never a 500, never a hang.
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@flotilla/config';
import { createDb, createSql } from '@flotilla/db';
import { createLogger } from '@flotilla/log';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../src/server.ts';

// A loopback port nothing listens on.
const deadDatabase = 'postgresql://root@127.0.0.1:1/flotilla';
let url: string;
let close: () => Promise<void>;

beforeAll(async () => {
  const config = loadConfig({ DATABASE_URL: deadDatabase, NODE_ENV: 'test' });
  const db = createDb({ url: deadDatabase, connectionTimeoutMs: 500 });
  const sql = createSql(deadDatabase, { connect_timeout: 1 });
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
  const server = createApiServer({
    config,
    log: createLogger({ name: 'api-test', level: 'silent' }),
    db,
    sql,
    redis,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = async () => {
    server.close();
    redis.disconnect();
    await Promise.all([db.$disconnect(), sql.end()]);
  };
});
afterAll(() => close());

describe('database unavailable', () => {
  it('answers 503 SERVICE_UNAVAILABLE on reads, logins and writes', async () => {
    const started = Date.now();
    const requests: [string, string, unknown][] = [
      ['GET', '/api/cluster.all?organizationId=org_x', undefined],
      ['POST', '/api/auth.login', { email: 'a@example.test', password: 'whatever' }],
      ['POST', '/api/token.create', { name: 'x' }],
    ];
    for (const [method, path, body] of requests) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: 'Bearer flt_0123456789abcdefghij',
          'content-type': 'application/json',
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      expect(response.status, path).toBe(503);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        'SERVICE_UNAVAILABLE',
      );
    }
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
