// `Idempotency-Key`: the first request under a key does the work and stores its answer in the
// same transaction; a repeat with the same body gets that answer, a repeat with a different
// body a 409. Concurrent repeats wait on the unique index (INSERT … ON CONFLICT blocks until
// the first transaction ends), so 20 parallel identical requests still do the work once.
import { createHash } from 'node:crypto';
import { newId, type Prisma } from '@flotilla/db';
import { TRPCError } from '@trpc/server';
import type { Context } from './context.ts';
import { fieldError } from './errors.ts';

type Tx = Prisma.TransactionClient;

const keyPattern = /^[\x21-\x7e]{1,200}$/;

export async function idempotent<T>(
  ctx: Context & { principal: { userId: string } },
  scope: string,
  input: unknown,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  const key = ctx.req.idempotencyKey;
  const options = { maxWait: 10_000, timeout: 20_000 };
  if (key === undefined) return ctx.db.$transaction(work, options);
  if (!keyPattern.test(key)) {
    throw fieldError('Idempotency-Key', 'must be 1–200 printable ASCII characters');
  }
  const requestHash = createHash('sha256').update(JSON.stringify(input)).digest('hex');
  const userId = ctx.principal.userId;
  return ctx.db.$transaction(async (tx) => {
    const id = newId('idem');
    const inserted = await tx.$queryRaw<{ id: string }[]>`
      insert into "IdempotencyKey" (id, "userId", scope, key, "requestHash")
      values (${id}, ${userId}, ${scope}, ${key}, ${requestHash})
      on conflict ("userId", scope, key) do nothing
      returning id`;
    if (inserted.length === 0) {
      const [first] = await tx.$queryRaw<{ requestHash: string; response: unknown }[]>`
        select "requestHash", response from "IdempotencyKey"
        where "userId" = ${userId} and scope = ${scope} and key = ${key}`;
      if (!first || first.requestHash !== requestHash) {
        throw new TRPCError({
          code: 'CONFLICT',
          message: 'This Idempotency-Key was already used with a different request body',
        });
      }
      ctx.resHeaders['idempotent-replayed'] = 'true';
      return first.response as T;
    }
    const result = await work(tx);
    await tx.$executeRaw`
      update "IdempotencyKey" set status = 200, response = ${JSON.stringify(result)}::jsonb
      where id = ${id}`;
    return result;
  }, options);
}

/** Keys older than `maxAgeMs` are forgotten: a retry a day later is a new request. */
export async function pruneIdempotencyKeys(
  db: Context['db'],
  maxAgeMs = 24 * 3600_000,
): Promise<number> {
  const { count } = await db.idempotencyKey.deleteMany({
    where: { createdAt: { lt: new Date(Date.now() - maxAgeMs) } },
  });
  return count;
}
