// Errors of the layers below reach the caller with their meaning, through the same middleware
// every procedure uses: a refused transition is 409, a row removed meanwhile is 404, a database
// that does not answer is 503 with Retry-After; anything else stays a 500 that says nothing.
import { randomBytes } from 'node:crypto';
import { createDb, createSql, type Db, newId } from '@flotilla/db';
import { createTestDatabase, type TestDatabase } from '@flotilla/db/testing';
import { FlotillaError } from '@flotilla/errors';
import { IllegalTransitionError, NotFoundError } from '@flotilla/lifecycle';
import { createLogger } from '@flotilla/log';
import { createSealer } from '@flotilla/secrets';
import type { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, createRouterServices, type RouterServices } from './context.ts';
import { describeError, httpStatusOf } from './errors.ts';
import { authProcedures } from './routers/auth/_router.ts';
import { sshKeyProcedures } from './routers/sshKey/_router.ts';
import { createCallerFactory, publicProcedure, router, routerOf } from './trpc.ts';

let database: TestDatabase;
let db: Db;
let services: RouterServices;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url });
  services = createRouterServices({
    db,
    sql: createSql(database.url),
    sealer: createSealer(randomBytes(32)),
    log: createLogger({ name: 'errors-test', level: 'silent' }),
    openSignup: true,
  });
});
afterAll(async () => {
  await db.$disconnect();
  await services.sql.end({ timeout: 1 });
  await database.drop();
});

// Audit entries are written only for mutations, so queries need no database here.
const failing = (error: unknown) =>
  publicProcedure.query(() => {
    throw error;
  });

const testRouter = router({
  illegal: failing(new IllegalTransitionError('cluster', 'cl_1', 'deleting', 'running')),
  clusterGone: failing(new NotFoundError('cluster', 'cl_1')),
  nodeGone: failing(new NotFoundError('node', 'nd_1')),
  // Exactly what pg raises when the socket drops mid-query, as the adapter passes it on.
  dropped: failing(new Error('Connection terminated unexpectedly')),
  poolTimeout: failing(new Error('timeout exceeded when trying to connect')),
  bug: failing(new TypeError("Cannot read properties of undefined (reading 'id')")),
  invalid: failing(new FlotillaError('invalid', 'the region does not exist')),
  providerDown: failing(new FlotillaError('providerUnavailable', 'Hetzner answered 503')),
  internal: failing(new FlotillaError('internal', 'unexpected answer from the manager: {…}')),
  // Real answers of the real database to rows changed by a concurrent request.
  removedMeanwhile: publicProcedure.query(({ ctx }) =>
    ctx.db.sshKey.delete({ where: { id: 'key_removed_meanwhile' } }),
  ),
  referencesRemoved: publicProcedure.query(({ ctx }) =>
    ctx.db.sshKey.create({
      data: {
        id: newId('key'),
        organizationId: 'org_removed_meanwhile',
        name: 'k',
        publicKey: 'ssh-ed25519 AAAA',
        fingerprint: 'SHA256:x',
        privateKeyEncrypted: 'x',
      },
    }),
  ),
  existsAlready: publicProcedure.query(async ({ ctx }) => {
    const data = { name: 'twice', slug: `twice-${randomBytes(4).toString('hex')}` };
    await ctx.db.organization.create({ data: { id: newId('org'), ...data } });
    await ctx.db.organization.create({ data: { id: newId('org'), ...data } });
  }),
});

function call(name: keyof typeof testRouter._def.procedures) {
  const ctx = createContext(services, { requestId: newId('req'), ip: '127.0.0.1' });
  const caller = createCallerFactory(testRouter)(ctx) as unknown as Record<
    string,
    () => Promise<unknown>
  >;
  return caller[name]?.().then(
    () => {
      throw new Error('expected a failure');
    },
    (error: TRPCError) => ({
      status: httpStatusOf(error),
      body: describeError(error),
      headers: ctx.resHeaders,
    }),
  );
}

describe('errors from below', () => {
  it('answers 409 naming the states for a transition the state machine refuses', async () => {
    const { status, body } = (await call('illegal'))!;
    expect(status).toBe(409);
    expect(body).toEqual({
      code: 'CONFLICT',
      message: 'A cluster cannot go from deleting to running',
    });
  });

  it('answers 404 when the cluster or node was removed meanwhile (a removal racing deletion)', async () => {
    expect((await call('clusterGone'))?.status).toBe(404);
    expect((await call('clusterGone'))?.body).toEqual({
      code: 'NOT_FOUND',
      message: 'Cluster not found',
    });
    expect((await call('nodeGone'))?.body).toEqual({
      code: 'NOT_FOUND',
      message: 'Node not found',
    });
  });

  it('answers 503 with Retry-After when the database does not answer', async () => {
    for (const name of ['dropped', 'poolTimeout'] as const) {
      const { status, body, headers } = (await call(name))!;
      expect(status, name).toBe(503);
      expect(body.code).toBe('SERVICE_UNAVAILABLE');
      expect(body.message).toMatch(/database is not answering/);
      expect(Number(headers['retry-after'])).toBeGreaterThan(0);
    }
  });

  it('answers 404 / 409 when a concurrent request removed, still uses or created the row', async () => {
    expect(await call('removedMeanwhile')).toMatchObject({
      status: 404,
      body: { code: 'NOT_FOUND' },
    });
    expect(await call('referencesRemoved')).toMatchObject({
      status: 409,
      body: { code: 'CONFLICT' },
    });
    expect(await call('existsAlready')).toMatchObject({ status: 409, body: { code: 'CONFLICT' } });
  });

  it('answers sshKey.remove sent many times at once: one 204, the others 404, never a 500', async () => {
    const caller = (token?: string) =>
      createCallerFactory(routerOf({ auth: authProcedures, sshKey: sshKeyProcedures }))(
        createContext(services, {
          authorization: token ? `Bearer ${token}` : undefined,
          requestId: newId('req'),
          ip: '127.0.0.1',
        }),
      );
    const session = await caller().auth.register({
      email: `keys-${randomBytes(4).toString('hex')}@example.test`,
      password: 'correct horse battery',
      name: 'Keys',
    });
    const organizationId = session.organization?.id as string;
    const owner = caller(session.token);
    for (let round = 0; round < 3; round++) {
      const key = await owner.sshKey.generate({ organizationId, name: `k${round}` });
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, () =>
          owner.sshKey.remove({ sshKeyId: key.id }).then(
            () => 204,
            (error: TRPCError) => httpStatusOf(error),
          ),
        ),
      );
      expect(outcomes.filter((s) => s === 204)).toHaveLength(1);
      expect(outcomes.filter((s) => s !== 204)).toEqual(Array(7).fill(404));
    }
  });

  it('answers a FlotillaError by its code, with its message unless it is internal', async () => {
    expect(await call('invalid')).toMatchObject({
      status: 400,
      body: { code: 'BAD_REQUEST', message: 'the region does not exist' },
    });
    const providerDown = await call('providerDown');
    expect(providerDown?.status).toBe(503);
    expect(Number(providerDown?.headers['retry-after'])).toBeGreaterThan(0);
    expect((await call('internal'))?.body).toEqual({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'Internal error',
    });
  });

  it('keeps a bug a 500 without its details', async () => {
    const { status, body, headers } = (await call('bug'))!;
    expect(status).toBe(500);
    expect(body).toEqual({ code: 'INTERNAL_SERVER_ERROR', message: 'Internal error' });
    expect(headers['retry-after']).toBeUndefined();
  });
});
