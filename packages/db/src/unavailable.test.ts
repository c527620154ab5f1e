// Real failures, produced against real servers, classified: each shape the Prisma client, the pg
// driver adapter and postgres.js raise when the database goes away counts as unavailable; bugs
// and constraint violations do not.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from './client.ts';
import { createSql } from './sql.ts';
import { createTestDatabase, type TestDatabase } from './testing.ts';
import { isDatabaseUnavailable } from './unavailable.ts';

let database: TestDatabase;
let db: Db;
// Accepts a connection and drops it at once: a Postgres that restarts under the client.
let dropper: Server;
let dropperUrl: string;

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

function at(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.port = String(port);
  return parsed.toString();
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url });
  dropper = createServer((socket) => socket.destroy());
  dropperUrl = at(database.url, await listen(dropper));
});
afterAll(async () => {
  dropper.close();
  await db.$disconnect();
  await database.drop();
});

describe('isDatabaseUnavailable', () => {
  it('recognises a refused connection (Prisma P1001 and the raw-query P2010 carrying the adapter kind)', async () => {
    const dead = createDb({ url: at(database.url, 1), connectionTimeoutMs: 500 });
    expect(isDatabaseUnavailable(await failure(dead.user.findFirst()))).toBe(true);
    expect(isDatabaseUnavailable(await failure(dead.$queryRaw`select 1`))).toBe(true);
    await dead.$disconnect();
  });

  it('recognises a connection dropped by the server (pg "Connection terminated unexpectedly")', async () => {
    const dropping = createDb({ url: dropperUrl, connectionTimeoutMs: 500 });
    const error = await failure(dropping.user.findFirst());
    expect(String(error)).toMatch(/Connection terminated/);
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(
      isDatabaseUnavailable(
        await failure(dropping.$transaction((tx) => tx.user.findFirst(), { maxWait: 1_000 })),
      ),
    ).toBe(true);
    await dropping.$disconnect();
  });

  it('recognises a connect that never completes (pg connect timeout)', async () => {
    const silent = createServer(() => {});
    const silentDb = createDb({
      url: at(database.url, await listen(silent)),
      connectionTimeoutMs: 300,
    });
    const started = Date.now();
    expect(isDatabaseUnavailable(await failure(silentDb.user.findFirst()))).toBe(true);
    // The connect timeout, not the (longer) wait for a busy pool, bounds an unreachable server.
    expect(Date.now() - started).toBeLessThan(3_000);
    await silentDb.$disconnect();
    silent.close();
  });

  it('recognises an exhausted pool (pg-pool "timeout exceeded when trying to connect")', async () => {
    const small = createDb({ url: database.url, max: 1, poolTimeoutMs: 200 });
    const holding = small.$transaction((tx) => tx.$queryRaw`select pg_sleep(1)::text`, {
      timeout: 5_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const error = await failure(small.user.findFirst());
    expect(String(error)).toMatch(/timeout exceeded/);
    expect(isDatabaseUnavailable(error)).toBe(true);
    await holding;
    await small.$disconnect();
  });

  it('recognises a transaction that cannot start in time (Prisma P2028: the pool stays busy)', async () => {
    const small = createDb({ url: database.url, max: 1 });
    const holding = small.$transaction((tx) => tx.$queryRaw`select pg_sleep(1)::text`, {
      timeout: 5_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const error = await failure(
      small.$transaction(async (tx) => tx.user.findFirst(), { maxWait: 200 }),
    );
    expect(String(error)).toMatch(/Unable to start a transaction in the given time/);
    expect(isDatabaseUnavailable(error)).toBe(true);
    await holding;
    await small.$disconnect();
  });

  it('lets a query wait longer for a busy pool than for opening a connection', async () => {
    const small = createDb({ url: database.url, max: 1, connectionTimeoutMs: 1_000 });
    const holding = small.$transaction((tx) => tx.$queryRaw`select pg_sleep(2)::text`, {
      timeout: 10_000,
    });
    holding.catch(() => {});
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Busy, not down: the query waits ~2 s for the connection instead of failing after 1 s.
    await expect(small.$queryRaw`select 1 as one`).resolves.toEqual([{ one: 1 }]);
    expect(Date.now() - started).toBeGreaterThan(1_000);
    await holding;
    await small.$disconnect();
  });

  it('recognises a server shutting down (SQLSTATE 57P01 inside the adapter error)', async () => {
    const victim = createDb({ url: database.url, max: 1 });
    const [row] = await victim.$queryRaw<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const sleeping = failure(victim.$queryRaw`select pg_sleep(5)::text`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await db.$queryRaw`select pg_terminate_backend(${row?.pid}::int)`;
    expect(isDatabaseUnavailable(await sleeping)).toBe(true);
    await victim.$disconnect();
  });

  it('recognises postgres.js connection failures, even a connection closed before any answer', async () => {
    const dropping = createSql(dropperUrl, { max: 1, connect_timeout: 1 });
    const started = Date.now();
    expect(isDatabaseUnavailable(await failure(dropping`select 1`))).toBe(true);
    // Without startupSafeSocket this query would wait forever (porsager/postgres#1193).
    expect(Date.now() - started).toBeLessThan(2_000);
    // Queries queued behind failed attempts fail promptly too (no backoff growing to 20 s).
    const queued = await Promise.all(Array.from({ length: 8 }, () => failure(dropping`select 1`)));
    expect(queued.every(isDatabaseUnavailable)).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    await dropping.end({ timeout: 0 });
    const refused = createSql(at(database.url, 1), { max: 1 });
    expect(isDatabaseUnavailable(await failure(refused`select 1`))).toBe(true);
    await refused.end({ timeout: 0 });
  });

  it('recognises an unavailable database wrapped as the cause of another error', () => {
    const pgError = new Error('Connection terminated unexpectedly');
    expect(isDatabaseUnavailable(new Error('procedure failed', { cause: pgError }))).toBe(true);
  });

  it('does not count bugs, constraint violations or other errors', async () => {
    await db.organization.create({ data: { id: 'org_dup', name: 'a', slug: 'dup' } });
    const duplicate = await failure(
      db.organization.create({ data: { id: 'org_dup', name: 'b', slug: 'dup2' } }),
    );
    expect(isDatabaseUnavailable(duplicate)).toBe(false);
    expect(isDatabaseUnavailable(await failure(db.$queryRaw`select nope`))).toBe(false);
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
    expect(
      isDatabaseUnavailable(new Error('Connection terminated unexpectedly, said the user')),
    ).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
    expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
  });
});
