// The deployment's state as gauges, read when Prometheus scrapes, never on a timer: one SQL query
// (clusters and nodes by status, the outbox's backlog) and one Lua call per queue (BullMQ's
// counts), kept a few seconds so that several scrapers, or one scraping often, cost no more.
// Every process reads the same numbers; the dashboard takes `max` across them.
import { ClusterStatus, type Db, NodeStatus } from '@flotilla/db';
import { type AnyQueueName, type Queues, queueNamesInUse } from '@flotilla/queue';
import type { QueueState } from './definitions.ts';

export interface StateSnapshot {
  clusters: Record<string, number>;
  nodes: Record<string, number>;
  outboxBacklog: number;
  outboxOldestSeconds: number;
}

export interface QueueDepths {
  queue: AnyQueueName;
  counts: Record<QueueState, number>;
}

/** What the state gauges read; each part fails on its own (Postgres, Redis). */
export interface StateSource {
  database(): Promise<StateSnapshot>;
  queues(): Promise<QueueDepths[]>;
}

export interface StateSourceOptions {
  db: Db;
  queues: Queues;
  /** How long a reading is reused (default 5 s). */
  cacheMs?: number;
}

interface Row {
  kind: 'cluster' | 'node' | 'outbox';
  status: string | null;
  count: bigint;
  oldest: number | null;
}

export function createStateSource({
  db,
  queues,
  cacheMs = 5_000,
}: StateSourceOptions): StateSource {
  const database = cached(cacheMs, async (): Promise<StateSnapshot> => {
    const rows = await db.$queryRaw<Row[]>`
      select 'cluster' as kind, status::text as status, count(*) as count, null::float8 as oldest
        from "Cluster" group by status
      union all
      select 'node', status::text, count(*), null from "Node" group by status
      union all
      select 'outbox', null, count(*),
             coalesce(extract(epoch from now() - min("createdAt")), 0)::float8
        from "OutboxJob" where "dispatchedAt" is null`;
    // Every status is reported, zero included, so a series never vanishes while it is zero.
    const clusters = zeros(Object.values(ClusterStatus));
    const nodes = zeros(Object.values(NodeStatus));
    let outboxBacklog = 0;
    let outboxOldestSeconds = 0;
    for (const row of rows) {
      const count = Number(row.count);
      if (row.kind === 'cluster' && row.status) clusters[row.status] = count;
      else if (row.kind === 'node' && row.status) nodes[row.status] = count;
      else if (row.kind === 'outbox') {
        outboxBacklog = count;
        outboxOldestSeconds = row.oldest ?? 0;
      }
    }
    return { clusters, nodes, outboxBacklog, outboxOldestSeconds };
  });

  const depths = cached(cacheMs, async (): Promise<QueueDepths[]> => {
    // The shared queues, and the worker nodes' own where routing can have put jobs.
    return Promise.all(
      (await queueNamesInUse(db)).map(async (queue) => {
        const counts = await queues
          .get(queue)
          .getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
        return {
          queue,
          counts: {
            // Prioritized jobs wait in a set of their own; to an operator they are waiting.
            waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
            active: counts.active ?? 0,
            delayed: counts.delayed ?? 0,
            failed: counts.failed ?? 0,
          },
        };
      }),
    );
  });

  return { database, queues: depths };
}

function zeros(keys: readonly string[]): Record<string, number> {
  return Object.fromEntries(keys.map((key) => [key, 0]));
}

/** `read`, reused for `ms`; concurrent callers share one read, and a failure is not kept. */
function cached<T>(ms: number, read: () => Promise<T>): () => Promise<T> {
  let value: { at: number; promise: Promise<T> } | undefined;
  return () => {
    const now = performance.now();
    if (value && now - value.at < ms) return value.promise;
    const promise = read();
    const entry = { at: now, promise };
    value = entry;
    promise.catch(() => {
      if (value === entry) value = undefined;
    });
    return promise;
  };
}
