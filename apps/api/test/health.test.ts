import type { AddressInfo } from 'node:net';
import { loadConfig } from '@flotilla/config';
import { createDb, createSql } from '@flotilla/db';
import { createTestDatabase, type TestDatabase } from '@flotilla/db/testing';
import { createLogger } from '@flotilla/log';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../src/server.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

// A port nothing listens on: loopback, never another address.
type HealthBody = {
  status: string;
  version: string;
  checks: Record<'database' | 'redis', { status: string }>;
};

const closedPort = 'redis://127.0.0.1:1';

async function healthWith(databaseUrl: string, redisUrl: string) {
  const config = loadConfig({ DATABASE_URL: databaseUrl, REDIS_URL: redisUrl });
  const db = createDb({ url: databaseUrl });
  const sql = createSql(databaseUrl, { connect_timeout: 1 });
  const redis = new Redis(redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    lazyConnect: true,
  });
  redis.on('error', () => {});
  await redis.connect().catch(() => {});
  const server = createApiServer({
    config,
    log: createLogger({ name: 't', level: 'silent' }),
    db,
    sql,
    redis,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/health`);
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body: (await response.json()) as HealthBody,
    };
  } finally {
    server.close();
    redis.disconnect();
    await Promise.all([db.$disconnect(), sql.end()]);
  }
}

describe('GET /health', () => {
  it('answers healthy with the version when Postgres and Redis answer', async () => {
    const { status, retryAfter, body } = await healthWith(database.url, 'redis://127.0.0.1:6379');
    expect(status).toBe(200);
    expect(retryAfter).toBeNull();
    expect(body).toMatchObject({
      status: 'healthy',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      checks: { database: { status: 'up' }, redis: { status: 'up' } },
    });
  });

  it('answers 503 naming Redis when Redis is down', async () => {
    const { status, retryAfter, body } = await healthWith(database.url, closedPort);
    expect(status).toBe(503);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(body.status).toBe('unhealthy');
    expect(body.checks.database.status).toBe('up');
    expect(body.checks.redis.status).toBe('down');
  });

  it('answers 503 naming the database when Postgres is down', async () => {
    const { status, body } = await healthWith(
      'postgresql://root@127.0.0.1:1/flotilla',
      'redis://127.0.0.1:6379',
    );
    expect(status).toBe(503);
    expect(body.checks.database.status).toBe('down');
    expect(body.checks.redis.status).toBe('up');
  });
});
