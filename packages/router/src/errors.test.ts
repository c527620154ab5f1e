// Errors of the layers below reach the caller with their meaning, through the same middleware
// every procedure uses: a refused transition is 409, a row removed meanwhile is 404, a database
// that does not answer is 503 with Retry-After; anything else stays a 500 that says nothing.
import { newId } from '@flotilla/db';
import { IllegalTransitionError, NotFoundError } from '@flotilla/lifecycle';
import { createLogger } from '@flotilla/log';
import { createSealer } from '@flotilla/secrets';
import type { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { createContext, createRouterServices } from './context.ts';
import { describeError, httpStatusOf } from './errors.ts';
import { createCallerFactory, publicProcedure, router } from './trpc.ts';

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
});

function call(name: keyof typeof testRouter._def.procedures) {
  const services = createRouterServices({
    db: {} as never,
    sql: {} as never,
    sealer: createSealer(Buffer.alloc(32, 1)),
    log: createLogger({ name: 'errors-test', level: 'silent' }),
  });
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

  it('keeps a bug a 500 without its details', async () => {
    const { status, body, headers } = (await call('bug'))!;
    expect(status).toBe(500);
    expect(body).toEqual({ code: 'INTERNAL_SERVER_ERROR', message: 'Internal error' });
    expect(headers['retry-after']).toBeUndefined();
  });
});
