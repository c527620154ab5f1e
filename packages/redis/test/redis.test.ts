// Redis with a password and with TLS, as production runs it: two redis-server processes of this
// test's own on loopback ports (one with requirepass, one TLS-only with a certificate made here
// by openssl), and a BullMQ queue + worker round trip through @flotilla/redis on each.
import { randomBytes } from 'node:crypto';
import { loadConfig } from '@flotilla/config';
import { Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, type RedisSettings, redisConnection } from '../src/index.ts';
import { startTestRedis, type TestRedis } from '../src/testing.ts';

let withPassword: TestRedis;
let withTls: TestRedis;
let passwordPort: number;
let tlsPort: number;
let caFile: string;
let password: string;

beforeAll(async () => {
  // Characters that must be percent-encoded in a URL, as generated passwords often have.
  password = `fl0t/lla:${randomBytes(6).toString('hex')}@#%`;
  [withPassword, withTls] = await Promise.all([
    startTestRedis({ password }),
    startTestRedis({ tls: true, password }),
  ]);
  passwordPort = withPassword.port;
  tlsPort = withTls.port;
  caFile = withTls.caFile as string;
});

afterAll(() => Promise.all([withPassword?.stop(), withTls?.stop()]));

const url = (scheme: 'redis' | 'rediss', port: number, secret = password) =>
  `${scheme}://:${encodeURIComponent(secret)}@127.0.0.1:${port}`;

/** A job added through a queue comes back from a worker, both connected as Flotilla connects. */
async function roundTrip(settings: RedisSettings) {
  const prefix = `flotilla-redis-test-${randomBytes(4).toString('hex')}`;
  const queue = new Queue('round-trip', {
    connection: redisConnection(settings, 'client'),
    prefix,
  });
  const worker = new Worker('round-trip', async (job) => ({ echoed: job.data.value }), {
    connection: redisConnection(settings, 'worker'),
    prefix,
  });
  try {
    const completed = new Promise((resolve, reject) => {
      worker.on('completed', (_, result) => resolve(result));
      worker.on('failed', (_, error) => reject(error));
    });
    await queue.add('echo', { value: 'through Redis' });
    expect(await completed).toEqual({ echoed: 'through Redis' });
  } finally {
    await worker.close();
    await queue.close();
  }
}

/** What connecting with these settings ends in: PONG, or the first error the client reported. */
async function ping(settings: RedisSettings): Promise<string> {
  const redis = createRedis(settings, 'client', { lazyConnect: true, retryStrategy: () => null });
  // ioredis rejects connect() with "Connection is closed"; the cause comes as an 'error' event.
  const errors: string[] = [];
  redis.on('error', (error: Error) => errors.push(error.message));
  try {
    await redis.connect();
    return await redis.ping();
  } catch (error) {
    return `error: ${errors[0] ?? (error as Error).message}`;
  } finally {
    redis.disconnect();
  }
}

describe('Redis with a password', () => {
  it('runs a queue and a worker with the password from REDIS_URL', async () => {
    const settings = loadConfig({ REDIS_URL: url('redis', passwordPort) });
    expect(await ping(settings)).toBe('PONG');
    await roundTrip(settings);
  });

  it('is refused with a wrong password or none', async () => {
    expect(await ping(loadConfig({ REDIS_URL: url('redis', passwordPort, 'wrong') }))).toMatch(
      /WRONGPASS|invalid username-password/,
    );
    expect(await ping(loadConfig({ REDIS_URL: `redis://127.0.0.1:${passwordPort}` }))).toMatch(
      /NOAUTH/,
    );
  });
});

describe('Redis over TLS (rediss://)', () => {
  it('runs a queue and a worker, trusting the CA of REDIS_TLS_CA_FILE', async () => {
    const settings = loadConfig({ REDIS_URL: url('rediss', tlsPort), REDIS_TLS_CA_FILE: caFile });
    expect(await ping(settings)).toBe('PONG');
    await roundTrip(settings);
  });

  it('checks the certificate: no CA, no connection', async () => {
    expect(await ping(loadConfig({ REDIS_URL: url('rediss', tlsPort) }))).toMatch(
      /self[- ]signed|unable to (get|verify)/i,
    );
  });

  it('has no plaintext port to fall back to', async () => {
    const plain = await ping(loadConfig({ REDIS_URL: url('redis', tlsPort) }));
    expect(plain).toMatch(/^error: /);
  });
});
