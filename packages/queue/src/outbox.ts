// The transactional outbox: a request handler writes the job row in the same transaction as
// the rows it acts on; a dispatcher moves committed rows to BullMQ. A crash or a Redis outage
// between the commit and the enqueue delays a job; it never loses one.
//
// The queue is decided when a row is dispatched (routing.ts: a pinned entity's jobs go to its
// worker node's own queues). Rows with `movedFrom` move a waiting job whose routing changed:
// `rebalanceJobs` writes them, the dispatcher carries them out like any other row.
import type { Db, Prisma } from '@flotilla/db';
import { isJobName, type JobData, type JobName, jobIdFor, jobs } from './jobs.ts';
import type { Queues } from './queues.ts';
import {
  type AnyQueueName,
  pinnedNodeNames,
  placeJob,
  queueOf,
  routableQueues,
  targetsOf,
} from './routing.ts';

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
  movedFrom: AnyQueueName | null;
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

  // One batch: rows are locked (SKIP LOCKED, so several processes share the work), each job
  // placed in the queue its routing names now, then the rows marked. If Redis fails the
  // transaction rolls back and the rows stay pending; a job that reached Redis before the
  // failure is found there next time and not added twice.
  async function dispatchBatch(): Promise<number> {
    try {
      return await db.$transaction(
        async (tx) => {
          const rows = await tx.$queryRaw<OutboxRow[]>`
            select id, queue, name, "jobId", payload, "movedFrom" from "OutboxJob"
            where "dispatchedAt" is null order by id limit ${batchSize}
            for update skip locked`;
          if (rows.length === 0) return 0;
          const targets = await targetsOf(
            tx,
            rows.map((row) => ({ name: row.name, data: row.payload })),
          );
          const nodes = await pinnedNodeNames(tx);
          for (const [i, row] of rows.entries()) {
            // Rows are written by writeOutboxJob, which knows every job; one from a newer
            // version goes where it says, for a worker that knows it.
            if (!isJobName(row.name)) {
              const added = queues.get(row.queue as AnyQueueName).add(row.name, row.payload, {
                jobId: row.jobId,
              });
              await withTimeout(added, enqueueTimeoutMs);
              continue;
            }
            const placed = placeJob(
              tx,
              queues,
              nodes,
              { name: row.name, jobId: row.jobId, data: row.payload, movedFrom: row.movedFrom },
              targets[i] as AnyQueueName,
            );
            await withTimeout(placed, enqueueTimeoutMs);
          }
          await tx.outboxJob.updateMany({
            where: { id: { in: rows.map((row) => row.id) } },
            data: { dispatchedAt: new Date() },
          });
          return rows.length;
        },
        // Each placement may take up to enqueueTimeoutMs; a batch's usually take milliseconds.
        { timeout: enqueueTimeoutMs * 3 + 5_000 },
      );
    } catch (error) {
      await db.outboxJob
        .updateMany({
          where: { dispatchedAt: null },
          data: { attempts: { increment: 1 }, lastError: String(error).slice(0, 500) },
        })
        // Usually failing for the same reason as the batch, whose error is thrown below.
        .catch(onError);
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
      // Only waited for: its failure was reported to whoever started it.
      await inFlight?.catch(() => undefined);
    },
  };
}

/**
 * Finds waiting jobs that are no longer in the queue their routing names (an assignment was set,
 * changed or deleted; a preferred node went offline) and writes a move row for each, for the
 * dispatcher to carry out. Any process may run it at any time; the worker runs it on every
 * heartbeat, the API after an assignment changes. Resolves to the moves written.
 */
export async function rebalanceJobs({
  db,
  queues,
  limit = 1_000,
}: {
  db: Db;
  queues: Queues;
  /** Waiting jobs looked at per queue and pass. */
  limit?: number;
}): Promise<number> {
  const nodes = await pinnedNodeNames(db);
  const waiting: { from: AnyQueueName; name: JobName; jobId: string; data: unknown }[] = [];
  for (const queue of routableQueues) {
    for (const from of [queue, ...nodes.map((node) => queueOf(queue, node))]) {
      const found = await queues
        .get(from)
        .getJobs(['waiting', 'delayed', 'prioritized'], 0, limit - 1);
      for (const job of found) {
        if (job?.id && isJobName(job.name)) {
          waiting.push({ from, name: job.name, jobId: job.id, data: job.data });
        }
      }
    }
  }
  if (waiting.length === 0) return 0;
  const targets = await targetsOf(db, waiting);
  const misplaced = waiting.filter((job, i) => targets[i] !== job.from);
  if (misplaced.length === 0) return 0;
  // A move already pending (written by another process, or by the last pass) is not doubled.
  const pending = await db.outboxJob.findMany({
    where: { dispatchedAt: null, jobId: { in: misplaced.map((job) => job.jobId) } },
    select: { jobId: true, movedFrom: true },
  });
  const known = new Set(pending.map((row) => `${row.jobId} ${row.movedFrom}`));
  const moves = misplaced.filter((job) => !known.has(`${job.jobId} ${job.from}`));
  if (moves.length === 0) return 0;
  await db.outboxJob.createMany({
    data: moves.map((job) => ({
      queue: jobs[job.name].queue,
      name: job.name,
      jobId: job.jobId,
      payload: job.data as Prisma.InputJsonValue,
      movedFrom: job.from,
    })),
  });
  return moves.length;
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
