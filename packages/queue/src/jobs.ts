// Every background job, its queue, its payload schema and its id, defined once. Job ids are
// derived from the payload, so enqueueing the same work twice (a retried request, the outbox
// dispatched twice) yields one job.
import { z } from 'zod';

export const queueNames = ['clusters', 'nodes', 'health', 'maintenance'] as const;
export type QueueName = (typeof queueNames)[number];

const id = z.string().min(1).max(64);

interface JobDefinition<S extends z.ZodType> {
  queue: QueueName;
  schema: S;
  jobId: (data: z.infer<S>) => string;
}

function job<S extends z.ZodType>(definition: JobDefinition<S>): JobDefinition<S> {
  return definition;
}

export const jobs = {
  /** Forms the cluster: the first manager, then every other node in parallel. */
  provisionCluster: job({
    queue: 'clusters',
    schema: z.object({ clusterId: id }),
    jobId: (d) => `provisionCluster.${d.clusterId}`,
  }),
  /** Tears every node down, then deletes the cluster row. */
  deleteCluster: job({
    queue: 'clusters',
    schema: z.object({ clusterId: id }),
    jobId: (d) => `deleteCluster.${d.clusterId}`,
  }),
  /** Obtains, bootstraps and joins one node (cluster.create's nodes and cluster.addNode). */
  provisionNode: job({
    queue: 'nodes',
    schema: z.object({ clusterId: id, nodeId: id }),
    jobId: (d) => `provisionNode.${d.nodeId}`,
  }),
  /** Drains, removes and destroys one node, then deletes its row. */
  removeNode: job({
    queue: 'nodes',
    schema: z.object({ clusterId: id, nodeId: id }),
    jobId: (d) => `removeNode.${d.nodeId}`,
  }),
  /** Asks the managers of every live cluster for node states (repeatable). */
  healthCheck: job({
    queue: 'health',
    schema: z.object({}),
    jobId: () => 'healthCheck',
  }),
  /** Deletes provider machines that carry Flotilla's tag but belong to no node (repeatable). */
  sweepOrphans: job({
    queue: 'maintenance',
    schema: z.object({}),
    jobId: () => 'sweepOrphans',
  }),
} as const;

export type JobName = keyof typeof jobs;
export type JobData<N extends JobName> = z.infer<(typeof jobs)[N]['schema']>;

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(jobs, name);
}

/** Validates a payload as the named job expects it; throws a ZodError otherwise. */
export function parseJobData<N extends JobName>(name: N, data: unknown): JobData<N> {
  return jobs[name].schema.parse(data) as JobData<N>;
}

export function jobIdFor<N extends JobName>(name: N, data: JobData<N>): string {
  return (jobs[name].jobId as (d: JobData<N>) => string)(data);
}

/** How often a job is tried, and the first pause between tries (doubling each time). */
export interface RetryBudget {
  attempts: number;
  backoffMs: number;
}

/** The production budget (config JOB_ATTEMPTS / JOB_BACKOFF_MS default to the same). */
export const defaultRetryBudget: RetryBudget = { attempts: 8, backoffMs: 2_000 };

/**
 * Options for every job: retried with exponential backoff within the budget; finished jobs are
 * kept for a day so that their deterministic id still deduplicates a late second enqueue.
 */
export function defaultJobOptions({ attempts, backoffMs }: RetryBudget = defaultRetryBudget) {
  return {
    attempts,
    backoff: { type: 'exponential', delay: backoffMs },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
  };
}
