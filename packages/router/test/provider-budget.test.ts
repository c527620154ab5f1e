// The API's provider requests spend from the same request budgets as the workers' (kept in Redis,
// per account): checking credentials many times at once on a project with a small budget gets no
// request refused by the provider, which the stand-in enforces and counts as Hetzner does.
import { randomBytes, randomUUID } from 'node:crypto';
import { hetznerTestToken, startHetznerStandin } from '@flotilla/cloud-standins';
import { createDb, createSql, type Db, newId, type Sql } from '@flotilla/db';
import { createTestDatabase, type TestDatabase } from '@flotilla/db/testing';
import { createLogger } from '@flotilla/log';
import { createSealer } from '@flotilla/secrets';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createContext, createRouterServices, type RouterServices } from '../src/context.ts';
import { authProcedures } from '../src/routers/auth/_router.ts';
import { providerProcedures } from '../src/routers/provider/_router.ts';
import { createCallerFactory, routerOf } from '../src/trpc.ts';

const createCaller = createCallerFactory(
  routerOf({ auth: authProcedures, provider: providerProcedures }),
);
const prefix = `test-budget-${randomUUID().slice(0, 8)}`;
// 4 requests, refilled at 4 per second; each check sends two (a read, a write probe).
const budget = { limit: 4, windowSeconds: 1 };

let database: TestDatabase;
let db: Db;
let sql: Sql;
const redis: Redis[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url });
  sql = createSql(database.url);
});

afterAll(async () => {
  const keys = await redis[0]?.keys(`${prefix}:*`);
  if (keys?.length) await redis[0]?.del(...keys);
  for (const connection of redis) connection.disconnect();
  await Promise.allSettled([db?.$disconnect(), sql?.end()]);
  await database?.drop();
});

async function services(url: string, shared: boolean): Promise<RouterServices> {
  const connection = () => {
    const client = new Redis('redis://127.0.0.1:6379');
    redis.push(client);
    return client;
  };
  return createRouterServices({
    db,
    sql,
    sealer: createSealer(randomBytes(32)),
    log: createLogger({ name: 'provider-budget-test', level: 'silent' }),
    openSignup: true,
    cloudClientOptions: () => ({ baseUrl: url }),
    providerRateLimits: {
      hetzner: { api: [{ limit: budget.limit, windowMs: budget.windowSeconds * 1000 }] },
    },
    ...(shared ? { redis: { client: connection(), subscriber: connection(), prefix } } : {}),
  });
}

/** Eight credential checks at once by a new owner; the stand-in's answers as it counted them. */
async function checkMany(shared: boolean) {
  const standin = await startHetznerStandin({ rateLimit: budget });
  try {
    const s = await services(standin.url, shared);
    const as = (token?: string) =>
      createCaller(
        createContext(s, {
          authorization: token ? `Bearer ${token}` : undefined,
          requestId: newId('req'),
          ip: '127.0.0.1',
        }),
      );
    const owner = await as().auth.register({
      email: `budget-${randomBytes(4).toString('hex')}@example.test`,
      password: 'correct horse battery',
      name: 'Owner',
    });
    const organizationId = owner.organization?.id as string;
    const credential = await as(owner.token).provider.setCredentials({
      organizationId,
      name: `hz-${shared}`,
      provider: 'hetzner',
      credentials: { token: hetznerTestToken },
    });
    const checks = await Promise.all(
      Array.from({ length: 8 }, () =>
        as(owner.token)
          .provider.test({ providerCredentialId: credential.id })
          .catch((error: unknown) => ({ ok: false, message: String(error) })),
      ),
    );
    return { checks, requests: standin.requests() };
  } finally {
    await standin.close();
  }
}

it('checks credentials within the account budget it shares with the workers', async () => {
  const { checks, requests } = await checkMany(true);
  expect(checks.map((c) => c.ok)).toEqual(Array(8).fill(true));
  expect(requests.filter((r) => r.status === 429)).toEqual([]);
  expect(requests.length).toBeGreaterThanOrEqual(16);
});

it('is refused by the provider under the same load without the shared budget', async () => {
  const { requests } = await checkMany(false);
  expect(requests.filter((r) => r.status === 429).length).toBeGreaterThan(0);
});
