// Every background job, its queue, its payload schema and its id, defined once. Job ids are
// derived from the payload, so enqueueing the same work twice (a retried request, the outbox
// dispatched twice) yields one job.
import { z } from 'zod';

// `apps`: deploys, rollbacks, scales, restarts and removals (minutes, mostly waiting on a
// rollout); `builds`: clones and `docker build`s on a manager (CPU-heavy, fewer at once).
export const queueNames = ['clusters', 'nodes', 'health', 'maintenance', 'apps', 'builds'] as const;
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
  /**
   * Issue 17: puts a node's requested availability (Node.availability: Swarm `pause`/`drain`,
   * Kubernetes cordon/drain) on the servers and reads it back. One job per request
   * (`generation` = Node.availabilityGeneration); each applies the row's latest request.
   */
  setNodeAvailability: job({
    queue: 'nodes',
    schema: z.object({ clusterId: id, nodeId: id, generation: z.number().int().min(1) }),
    jobId: (d) => `setNodeAvailability.${d.nodeId}.${d.generation}`,
  }),
  /**
   * Asks the managers of every live cluster for node states (repeatable). With `node`, the pass
   * of that worker node (its own queue, `health@<node>`) over the clusters pinned to it, which
   * it may be the only one to reach; without, the shared pass over the others.
   */
  healthCheck: job({
    queue: 'health',
    schema: z.object({ node: z.string().min(1).max(63).optional() }),
    jobId: (d) => (d.node ? `healthCheck@${d.node}` : 'healthCheck'),
  }),
  /** Deletes provider machines that carry Flotilla's tag but belong to no node (repeatable). */
  sweepOrphans: job({
    queue: 'maintenance',
    schema: z.object({}),
    jobId: () => 'sweepOrphans',
  }),
  /**
   * Takes a Deployment row from `queued` (or from `building`, once its build succeeded) to
   * `active`, `failed` or `cancelled`: plans (digest, spec), stores the spec on the row, applies
   * and watches until the orchestrator says it came up; rollbacks re-apply the stored spec of
   * `sourceDeploymentId`. One job per deployment row.
   */
  deployApp: job({
    queue: 'apps',
    schema: z.object({ appId: id, deploymentId: id }),
    jobId: (d) => `deployApp.${d.deploymentId}`,
  }),
  /**
   * Builds a git or upload deployment (its Build row) on a manager, pushes the image, then
   * enqueues `deployApp` for the same deployment. One job per build row.
   */
  buildApp: job({
    queue: 'builds',
    schema: z.object({ appId: id, deploymentId: id, buildId: id }),
    jobId: (d) => `buildApp.${d.buildId}`,
  }),
  /** Sets the live service to the app row's `replicas` now (no deployment row). */
  scaleApp: job({
    queue: 'apps',
    schema: z.object({ appId: id, generation: z.number().int().min(1) }),
    jobId: (d) => `scaleApp.${d.appId}.${d.generation}`,
  }),
  /** Replaces every task with the same spec (no deployment row); `generation` = restartGeneration. */
  restartApp: job({
    queue: 'apps',
    schema: z.object({ appId: id, generation: z.number().int().min(1) }),
    jobId: (d) => `restartApp.${d.appId}.${d.generation}`,
  }),
  /** Removes everything the app created on its cluster, verifies nothing is left, deletes the row. */
  removeApp: job({
    queue: 'apps',
    schema: z.object({ appId: id }),
    jobId: (d) => `removeApp.${d.appId}`,
  }),
  /**
   * Issue 18: takes a StackRun from `queued` to `succeeded` or `failed` (the version applied on
   * the stack's cluster and judged there; on failure the previous version put back). One job per
   * run; routed with the stack's cluster (`clusterId`).
   */
  deployStack: job({
    queue: 'apps',
    schema: z.object({ clusterId: id, stackId: id, runId: id }),
    jobId: (d) => `deployStack.${d.runId}`,
  }),
  /**
   * Takes the stack off its cluster, verifies nothing of it is left, deletes its rows. One job
   * per request (`requestedAt`: Stack.removeRequestedAt in ms), so a removal given up on can be
   * asked for again.
   */
  removeStack: job({
    queue: 'apps',
    schema: z.object({ clusterId: id, stackId: id, requestedAt: z.number().int().positive() }),
    jobId: (d) => `removeStack.${d.stackId}.${d.requestedAt}`,
  }),
  /**
   * Issue 17, managed databases (all routed with the database's own pin, else its cluster's).
   * Takes a database from `creating` to `ready` (only once its readiness probe answers inside the
   * task) or `error`: the node chosen and stored first, then deployed pinned to it. One job per
   * database; the pending bindings and restores are queued when it is ready.
   */
  createDatabase: job({
    queue: 'apps',
    schema: z.object({ clusterId: id, databaseId: id }),
    jobId: (d) => `createDatabase.${d.databaseId}`,
  }),
  /**
   * Removes the database's service, secret, network and volume, then its rows. One job per
   * request (`requestedAt` in ms), so a removal that failed can be asked for again.
   */
  removeDatabase: job({
    queue: 'apps',
    schema: z.object({ clusterId: id, databaseId: id, requestedAt: z.number().int().positive() }),
    jobId: (d) => `removeDatabase.${d.databaseId}.${d.requestedAt}`,
  }),
  /**
   * Writes the database's connection variables into the bound app's secret env and queues the
   * app's deployment (once no other deployment of it is under way). One job per binding.
   */
  bindDatabase: job({
    queue: 'apps',
    schema: z.object({ clusterId: id, databaseId: id, bindingId: id }),
    jobId: (d) => `bindDatabase.${d.bindingId}`,
  }),
  /** Takes the variables out of the app's secret env, queues its deployment, drops the binding. */
  unbindDatabase: job({
    queue: 'apps',
    schema: z.object({ clusterId: id, databaseId: id, bindingId: id }),
    jobId: (d) => `unbindDatabase.${d.bindingId}`,
  }),
  /** A dump taken inside the task on its node, streamed into the backup store. One per backup row. */
  backupDatabase: job({
    queue: 'apps',
    schema: z.object({ clusterId: id, databaseId: id, backupId: id }),
    jobId: (d) => `backupDatabase.${d.backupId}`,
  }),
  /** Streams a stored backup into the database (`databaseId`, the target). One per restore row. */
  restoreDatabase: job({
    queue: 'apps',
    schema: z.object({ clusterId: id, databaseId: id, restoreId: id }),
    jobId: (d) => `restoreDatabase.${d.restoreId}`,
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
