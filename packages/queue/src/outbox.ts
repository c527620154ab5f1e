// The transactional outbox: a request handler writes the job row in the same transaction as
// the rows it acts on; a dispatcher moves committed rows to BullMQ. A crash or a Redis outage
// between the commit and the enqueue delays a job; it never loses one.
import type { Db, Prisma } from '@flotilla/db';
import { type JobData, type JobName, jobIdFor, jobs, type QueueName } from './jobs.ts';
import type { Queues } from './queues.ts';

/** Records a job to be enqueued once the caller's transaction commits. */
export async function writeOutboxJob<N extends JobName>(
  tx: Prisma.TransactionClient,
  name: N,
  data: JobData<N>,
): Promise<void> {
  const definition = jobs[name];
  const payload = definition.schema.parse(data) as JobData<N>;
  await tx.outboxJob.create({
    data: {
      queue: definition.queue,
      name,
      jobId: jobIdFor(name, payload),
      payload: payload as Prisma.InputJsonValue,
    },
  });
}

export interface OutboxDispatcher {
  /** Moves every committed row to BullMQ now; concurrent calls coalesce. Resolves to rows moved. */
  dispatch(): Promise<number>;
  /** Also sweeps every `intervalMs`, for rows whose immediate dispatch failed. */
  start(): void;
  stop(): Promise<void>;
}

export interface OutboxDispatcherOptions {
  db: Db;
  queues: Queues;
  intervalMs?: number;
  batchSize?: number;
  /** An enqueue that Redis has not acknowledged by then counts as failed (Redis away). */
  enqueueTimeoutMs?: number;
  /** Dispatched rows are deleted after this long. */
  retainMs?: number;
  onError?: (error: unknown) => void;
}

interface OutboxRow {
  id: bigint;
  queue: string;
  name: string;
  jobId: string;
  payload: unknown;
}

export function createOutboxDispatcher({
  db,
  queues,
  intervalMs = 1_000,
  batchSize = 100,
  enqueueTimeoutMs = 5_000,
  retainMs = 24 * 3600_000,
  onError = () => {},
}: OutboxDispatcherOptions): OutboxDispatcher {
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<number> | undefined;
  let again = false;
  let lastPrune = 0;

  // One batch: rows are locked (SKIP LOCKED, so several API processes share the work), added
  // to Redis, then marked. If Redis fails the transaction rolls back and the rows stay pending;
  // an add that reached Redis before the failure is harmless, its job id deduplicates.
  async function dispatchBatch(): Promise<number> {
    try {
      return await db.$transaction(
        async (tx) => {
          const rows = await tx.$queryRaw<OutboxRow[]>`
            select id, queue, name, "jobId", payload from "OutboxJob"
            where "dispatchedAt" is null order by id limit ${batchSize}
            for update skip locked`;
          if (rows.length === 0) return 0;
          const byQueue = new Map<string, OutboxRow[]>();
          for (const row of rows) byQueue.set(row.queue, [...(byQueue.get(row.queue) ?? []), row]);
          for (const [queue, group] of byQueue) {
            const added = queues.get(queue as QueueName).addBulk(
              group.map((row) => ({
                name: row.name,
                data: row.payload,
                opts: { jobId: row.jobId },
              })),
            );
            await withTimeout(added, enqueueTimeoutMs);
          }
          await tx.outboxJob.updateMany({
            where: { id: { in: rows.map((row) => row.id) } },
            data: { dispatchedAt: new Date() },
          });
          return rows.length;
        },
        { timeout: enqueueTimeoutMs * 3 + 5_000 },
      );
    } catch (error) {
      await db.outboxJob
        .updateMany({
          where: { dispatchedAt: null },
          data: { attempts: { increment: 1 }, lastError: String(error).slice(0, 500) },
        })
        .catch(() => {});
      throw error;
    }
  }

  async function drain(): Promise<number> {
    let total = 0;
    do {
      again = false;
      for (;;) {
        const moved = await dispatchBatch();
        total += moved;
        if (moved < batchSize) break;
      }
    } while (again);
    if (Date.now() - lastPrune > 60_000) {
      lastPrune = Date.now();
      await db.outboxJob.deleteMany({
        where: { dispatchedAt: { lt: new Date(Date.now() - retainMs) } },
      });
    }
    return total;
  }

  function dispatch(): Promise<number> {
    if (inFlight) {
      again = true;
      return inFlight;
    }
    inFlight = drain().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  return {
    dispatch,
    start() {
      if (timer) return;
      timer = setInterval(() => dispatch().catch(onError), intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await inFlight?.catch(() => {});
    },
  };
}

// BullMQ waits for Redis forever; the outbox would rather give up the batch and try again.
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis did not accept the jobs within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
