// Two API processes, as a deployment behind a load balancer runs them (compiled, as `pnpm start`
// runs them), sharing Postgres and Redis: a token revoked through one is refused by the other on
// its very next request, though the other had it cached; login limits count across both.
import { createTestDatabase, type TestDatabase } from '@flotilla/db/testing';
import {
  type ControlPlane,
  startControlPlane,
  startTcpProxy,
  type TcpProxy,
} from '@flotilla/harness';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let database: TestDatabase;
let redisProxy: TcpProxy;
let plane: ControlPlane;
let a: string;
let b: string;
let sql: postgres.Sql;

beforeAll(async () => {
  database = await createTestDatabase();
  // Redis through a proxy this test can cut, never the machine's Redis itself.
  redisProxy = await startTcpProxy({ host: '127.0.0.1', port: 6379 });
  plane = await startControlPlane({
    databaseUrl: database.url,
    redisUrl: redisProxy.wrap('redis://127.0.0.1:6379'),
    apis: 2,
    workers: 0,
  });
  [a, b] = plane.urls as [string, string];
  sql = postgres(database.url, { max: 2 });
}, 180_000);

afterAll(async () => {
  await plane?.stop();
  await sql?.end();
  await redisProxy?.close();
  await database?.drop();
});

async function call(
  url: string,
  procedure: string,
  { token, body, method }: { token?: string; body?: unknown; method?: string } = {},
) {
  const verb = method ?? (body === undefined ? 'GET' : 'POST');
  const response = await fetch(`${url}/api/${procedure}`, {
    method: verb,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const password = 'correct horse battery staple';
let email: string;
let sessionToken: string;

async function apiToken(name: string) {
  const created = await call(a, 'token.create', { token: sessionToken, body: { name } });
  expect(created.status).toBe(201);
  return created.body.result.data as { id: string; token: string };
}

describe('revocation across API processes', () => {
  beforeAll(async () => {
    email = `two-${Date.now()}@example.test`;
    const registered = await call(a, 'auth.register', { body: { email, password, name: 'Two' } });
    expect(registered.status).toBe(201);
    sessionToken = registered.body.result.data.token;
  });

  it('caches a token in each process (a revocation written behind its back goes unseen)', async () => {
    const token = await apiToken('cached');
    expect((await call(b, 'auth.me', { token: token.token })).status).toBe(200);
    // Revoked in the database alone, as no procedure does: nothing tells B.
    await sql`update "ApiToken" set "revokedAt" = now() where id = ${token.id}`;
    expect((await call(b, 'auth.me', { token: token.token })).status).toBe(200);
  });

  it('refuses a token revoked through the other process on the next request', async () => {
    const token = await apiToken('revoked');
    expect((await call(b, 'auth.me', { token: token.token })).status).toBe(200);
    const cachedAt = Date.now();
    const revoked = await call(a, 'token.revoke', {
      token: sessionToken,
      body: { tokenId: token.id },
      method: 'DELETE',
    });
    expect(revoked.status).toBe(204);
    expect((await call(b, 'auth.me', { token: token.token })).status).toBe(401);
    // Well inside B's cache lifetime (5 s): only the published revocation explains the 401.
    expect(Date.now() - cachedAt).toBeLessThan(3_000);
  });

  it('refuses a session ended or signed out through the other process', async () => {
    const login = async () => {
      const reply = await call(a, 'auth.login', { body: { email, password } });
      expect(reply.status).toBe(200);
      return reply.body.result.data.token as string;
    };
    const elsewhere = await login();
    // Its id, as that session itself sees it (and now cached by B).
    const own = await call(b, 'auth.sessions', { token: elsewhere });
    const target = own.body.result.data.items.find((item: { current: boolean }) => item.current);
    const ended = await call(a, 'auth.endSession', {
      token: sessionToken,
      body: { sessionId: target.id },
      method: 'DELETE',
    });
    expect(ended.status).toBe(204);
    expect((await call(b, 'auth.me', { token: elsewhere })).status).toBe(401);

    const other = await login();
    expect((await call(b, 'auth.me', { token: other })).status).toBe(200);
    expect((await call(a, 'auth.logout', { token: other, body: {} })).status).toBe(200);
    expect((await call(b, 'auth.me', { token: other })).status).toBe(401);
  });

  it('caches nothing while its Redis subscription is down, so no revocation is missed', async () => {
    const token = await apiToken('during-outage');
    expect((await call(b, 'auth.me', { token: token.token })).status).toBe(200);
    redisProxy.cut();
    try {
      // Neither process hears the other now; A cannot publish. B asks the database instead.
      const revoked = await call(a, 'token.revoke', {
        token: sessionToken,
        body: { tokenId: token.id },
        method: 'DELETE',
      });
      expect(revoked.status).toBe(204);
      expect((await call(b, 'auth.me', { token: token.token })).status).toBe(401);
      expect((await call(b, 'auth.me', { token: sessionToken })).status).toBe(200);
    } finally {
      redisProxy.restore();
    }
    // Back: B subscribes again and caches again.
    const later = await apiToken('after-outage');
    await expect
      .poll(
        async () => {
          await call(b, 'auth.me', { token: later.token });
          await sql`update "ApiToken" set "revokedAt" = now() where id = ${later.id}`;
          const status = (await call(b, 'auth.me', { token: later.token })).status;
          await sql`update "ApiToken" set "revokedAt" = null where id = ${later.id}`;
          return status;
        },
        { timeout: 30_000, interval: 1_000 },
      )
      .toBe(200);
  });
});

describe('login limits across API processes', () => {
  it('counts one account’s failed logins in both processes together', async () => {
    const target = `limited-${Date.now()}@example.test`;
    const registered = await call(b, 'auth.register', {
      body: { email: target, password, name: 'Limited' },
    });
    expect(registered.status).toBe(201);
    // 10 per account per 15 minutes: five wrong passwords through each process…
    for (let i = 0; i < 10; i++) {
      const reply = await call(i % 2 === 0 ? a : b, 'auth.login', {
        body: { email: target, password: `wrong guess ${i}` },
      });
      expect(reply.status).toBe(401);
    }
    // …and the eleventh is refused by either, even with the right password.
    for (const url of [a, b]) {
      const reply = await call(url, 'auth.login', { body: { email: target, password } });
      expect(reply.status).toBe(429);
      expect(reply.body.error.code).toBe('TOO_MANY_REQUESTS');
    }
  });
});
