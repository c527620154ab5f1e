// Where a job goes. A cluster or app pinned to a worker node (ControlPlaneAssignment) has its
// jobs in that node's own queues, `<queue>@<node>`; every other job is in the shared queue that
// every worker takes. BullMQ has no worker affinity inside one queue, hence a queue per node.
//
// - strict: the node's queues, whether it is online or not (jobs wait for it);
// - preferred: the node's queues while it is online, the shared ones while it is not.
// An app (or a managed database) without a pin of its own follows its cluster's: its jobs reach
// the same servers.
//
// A job id is in at most one queue. Jobs are placed (added, or moved when their routing
// changed) under a Postgres advisory lock on the job id, and a job found in any queue, in any
// state, is not added again: BullMQ's own deduplication, extended across queues.
import type { AssignmentMode, Db, Prisma } from '@flotilla/db';
import type { Queue } from 'bullmq';
import { isJobName, type JobName, jobs, type QueueName, queueNames } from './jobs.ts';

/** The queues whose jobs act on one cluster or app. Health checks and the sweep stay shared. */
export const routableQueues = [
  'clusters',
  'nodes',
  'apps',
  'builds',
] as const satisfies readonly QueueName[];

export type NodeQueueName = `${QueueName}@${string}`;
/** A shared queue (`nodes`) or a node's own (`nodes@beta`). */
export type AnyQueueName = QueueName | NodeQueueName;

/** Node names as queue names carry them: no `:` (BullMQ's key separator), no spaces. */
export const nodeNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function isRoutable(queue: QueueName): boolean {
  return (routableQueues as readonly QueueName[]).includes(queue);
}

/** `nodes` for the shared queue, `nodes@beta` for the node beta's own. */
export function queueOf(queue: QueueName, node: string | null): AnyQueueName {
  return node && isRoutable(queue) ? `${queue}@${node}` : queue;
}

/** The node a queue belongs to, null for a shared queue. */
export function nodeOfQueue(name: AnyQueueName): string | null {
  const at = name.indexOf('@');
  return at < 0 ? null : name.slice(at + 1);
}

/** Where an entity's jobs go: its own pin, or (an app, a database) its cluster's. */
export interface Binding {
  nodeName: string;
  mode: AssignmentMode;
  /** The node has a worker process online now. */
  online: boolean;
  /** The pin is the entity's own, not its cluster's. */
  explicit: boolean;
}

/** The node whose queues a bound entity's jobs go to now; null: the shared queues. */
export function targetNode(binding: Binding | undefined): string | null {
  if (!binding) return null;
  return binding.mode === 'strict' || binding.online ? binding.nodeName : null;
}

type EntityType = 'cluster' | 'app' | 'database';
type EntityRef = { type: EntityType; id: string };

/**
 * The entity a job acts on, from its payload: an app's jobs name it, a database's jobs the
 * database, a cluster's jobs the cluster.
 */
export function entityOf(name: string, data: unknown): EntityRef | null {
  if (!isJobName(name) || !isRoutable(jobs[name].queue)) return null;
  const payload = (data ?? {}) as { appId?: unknown; databaseId?: unknown; clusterId?: unknown };
  if (typeof payload.appId === 'string') return { type: 'app', id: payload.appId };
  if (typeof payload.databaseId === 'string') return { type: 'database', id: payload.databaseId };
  if (typeof payload.clusterId === 'string') return { type: 'cluster', id: payload.clusterId };
  return null;
}

type Reader = Pick<Db, '$queryRaw'> | Pick<Prisma.TransactionClient, '$queryRaw'>;

interface BindingRow {
  type: EntityType;
  id: string;
  nodeName: string;
  mode: AssignmentMode;
  online: boolean;
  explicit: boolean;
}

/** Bindings of the given clusters, apps and databases (those without one are absent), one query. */
export async function bindingsOf(
  db: Reader,
  refs: readonly EntityRef[],
): Promise<Map<string, Binding>> {
  const idsOf = (type: EntityType) => [
    ...new Set(refs.filter((r) => r.type === type).map((r) => r.id)),
  ];
  const clusterIds = idsOf('cluster');
  const appIds = idsOf('app');
  const databaseIds = idsOf('database');
  const found = new Map<string, Binding>();
  if (clusterIds.length === 0 && appIds.length === 0 && databaseIds.length === 0) return found;
  const rows = await db.$queryRaw<BindingRow[]>`
    select e.type, e.id, a."nodeName", a.mode::text as mode, a."entityType"::text = e.type as explicit,
      exists (select 1 from "ControlPlaneNode" n
        where n.name = a."nodeName" and n.role = 'worker' and n."onlineUntil" > now()) as online
    from (
      select 'cluster' as type, c.id, c.id as "clusterId", null::text as "ownId"
        from unnest(${clusterIds}::text[]) as c(id)
      union all
      select 'app', x.id, x."clusterId", x.id from "App" x where x.id = any(${appIds}::text[])
      union all
      select 'database', d.id, d."clusterId", d.id from "ManagedDatabase" d
        where d.id = any(${databaseIds}::text[])
    ) e
    join lateral (
      select s."nodeName", s.mode, s."entityType" from "ControlPlaneAssignment" s
      where (s."entityType"::text = e.type and e.type <> 'cluster' and s."entityId" = e."ownId")
         or (s."entityType" = 'cluster' and s."entityId" = e."clusterId")
      order by s."entityType" = 'cluster' limit 1
    ) a on true`;
  for (const row of rows) {
    found.set(`${row.type}:${row.id}`, {
      nodeName: row.nodeName,
      mode: row.mode,
      online: row.online,
      explicit: row.explicit,
    });
  }
  return found;
}

/** Where each job goes now, in order: its shared queue or a node's own. */
export async function targetsOf(
  db: Reader,
  list: readonly { name: string; data: unknown }[],
): Promise<AnyQueueName[]> {
  const refs = list.map((job) => entityOf(job.name, job.data));
  const bindings = await bindingsOf(
    db,
    refs.filter((ref): ref is EntityRef => ref !== null),
  );
  return list.map((job, i) => {
    const queue = isJobName(job.name) ? jobs[job.name].queue : (job.name as QueueName);
    const ref = refs[i];
    return queueOf(queue, ref ? targetNode(bindings.get(`${ref.type}:${ref.id}`)) : null);
  });
}

/** The worker node each cluster's jobs go to now; absent or null: the shared queues. */
export async function clusterTargets(
  db: Reader,
  clusterIds: readonly string[],
): Promise<Map<string, string | null>> {
  const bindings = await bindingsOf(
    db,
    clusterIds.map((id) => ({ type: 'cluster' as const, id })),
  );
  return new Map(clusterIds.map((id) => [id, targetNode(bindings.get(`cluster:${id}`))]));
}

/**
 * The worker nodes an assignment ever named: only their queues can hold jobs (routing targets
 * no other), so only theirs are searched for a job or for jobs to move.
 */
export async function pinnedNodeNames(db: Reader): Promise<string[]> {
  const rows = await db.$queryRaw<{ name: string }[]>`
    select name from "ControlPlaneNode"
    where role = 'worker' and "pinnedAt" is not null order by name`;
  return rows.map((row) => row.name);
}

/** Every queue that can hold jobs: the shared ones and the routable queues of pinned nodes. */
export async function queueNamesInUse(db: Reader): Promise<AnyQueueName[]> {
  const nodes = await pinnedNodeNames(db);
  return [
    ...queueNames,
    ...nodes.flatMap((node) => routableQueues.map((queue) => queueOf(queue, node))),
  ];
}

/** What placement needs of the queues (queues.ts provides it). */
export interface QueueSource {
  get(name: AnyQueueName): Queue;
}

export interface Placement {
  name: JobName;
  jobId: string;
  data: unknown;
  /** A waiting job to take out of this queue first (its routing changed). */
  movedFrom?: AnyQueueName | null;
  delay?: number;
}

export type Placed =
  /** Added to `queue`. */
  | 'added'
  /** Already in some queue (or, for a move, already where it belongs): left alone. */
  | 'present'
  /** A move whose job started (or finished) where it was: it stays there. */
  | 'started';

const waitingStates = new Set(['waiting', 'delayed', 'prioritized']);

/**
 * Puts one job into `target`, inside `tx`, which holds the job id's advisory lock until it
 * commits (placements of one job id never interleave). A job already in any queue is not added
 * again. A move takes the job out of `movedFrom` only while it waits there (BullMQ refuses to
 * remove a locked, running job), then adds it to the target: it starts its attempts afresh.
 * A placement interrupted half-way (the job removed, not yet added) is finished by running it
 * again: the job, then found nowhere, is added.
 */
export async function placeJob(
  tx: Prisma.TransactionClient,
  queues: QueueSource,
  nodes: readonly string[],
  job: Placement,
  target: AnyQueueName,
): Promise<Placed> {
  await tx.$executeRaw`select pg_advisory_xact_lock(hashtextextended(${`flotilla.job:${job.jobId}`}, 0))`;
  if (job.movedFrom && job.movedFrom !== target) {
    const source = queues.get(job.movedFrom);
    const state = await source.getJobState(job.jobId);
    if (waitingStates.has(state)) {
      // 0: locked by a worker that took it meanwhile. (A job that also finished between the
      // state read and this call would be removed and run again; our jobs take far longer than
      // the round trip between the two.)
      if ((await source.remove(job.jobId)) === 0) return 'started';
    } else if (state !== 'unknown') {
      return 'started';
    }
  } else if (job.movedFrom) {
    return 'present';
  }
  const queue = jobs[job.name].queue;
  for (const name of [queue, ...(isRoutable(queue) ? nodes.map((n) => queueOf(queue, n)) : [])]) {
    if ((await queues.get(name).getJobState(job.jobId)) !== 'unknown') return 'present';
  }
  await queues.get(target).add(job.name, job.data, {
    jobId: job.jobId,
    ...(job.delay ? { delay: job.delay } : {}),
  });
  return 'added';
}
