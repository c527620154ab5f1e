import type { Db } from '@flotilla/db';
import { type RedisSettings, redisConnection } from '@flotilla/redis';
import { type Job, Queue } from 'bullmq';
import {
  defaultJobOptions,
  type JobData,
  type JobName,
  jobIdFor,
  jobs,
  type QueueName,
  queueNames,
  type RetryBudget,
} from './jobs.ts';
import {
  type AnyQueueName,
  isRoutable,
  pinnedNodeNames,
  placeJob,
  queueOf,
  targetsOf,
} from './routing.ts';

export interface QueueOptions {
  /** REDIS_URL (a password, `rediss://`) and the CA of REDIS_TLS_CA_FILE: a Config fits. */
  redis: RedisSettings;
  /** Key prefix, so several deployments (and test runs) can share one Redis. */
  prefix: string;
  /** Attempts and backoff of every job added here (the API's and the worker's alike). */
  retry?: RetryBudget;
  /**
   * Routes what `add` enqueues to a pinned entity's worker node (routing.ts) and lets `findJob`
   * look in the nodes' queues. Without it, everything is in the shared queues (tests that only
   * read them).
   */
  db?: Db;
}

export interface Queues {
  /** A shared queue (`nodes`) or a worker node's own (`nodes@beta`). */
  get(name: AnyQueueName): Queue;
  /**
   * Enqueues a job directly (workers use this; request handlers go through the outbox), into
   * the queue its routing names; a job with this id in any queue is not added again.
   */
  add<N extends JobName>(name: N, data: JobData<N>, opts?: { delay?: number }): Promise<void>;
  /** The job with this id, in the shared queue or any worker node's own. */
  findJob(queue: QueueName, jobId: string): Promise<Job | undefined>;
  close(): Promise<void>;
}

export function createQueues({ redis, prefix, retry, db }: QueueOptions): Queues {
  const jobOptions = defaultJobOptions(retry);
  const queues = new Map<AnyQueueName, Queue>();
  const get = (name: AnyQueueName): Queue => {
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        // Producers fail fast while Redis is away (the outbox keeps the job), never queue offline.
        connection: redisConnection(redis, 'client'),
        prefix,
        defaultJobOptions: jobOptions,
      });
      // Connection errors surface on the failing add(); without a listener they would crash.
      queue.on('error', () => {});
      queues.set(name, queue);
    }
    return queue;
  };
  return {
    get,
    async add(name, data, opts) {
      const parsed = jobs[name].schema.parse(data) as JobData<typeof name>;
      const jobId = jobIdFor(name, parsed);
      if (!db) {
        await get(jobs[name].queue).add(name, parsed, {
          jobId,
          ...(opts?.delay ? { delay: opts.delay } : {}),
        });
        return;
      }
      await db.$transaction(async (tx) => {
        const [target] = await targetsOf(tx, [{ name, data: parsed }]);
        const nodes = await pinnedNodeNames(tx);
        const job = { name, jobId, data: parsed, ...(opts?.delay ? { delay: opts.delay } : {}) };
        await placeJob(tx, { get }, nodes, job, target ?? jobs[name].queue);
      });
    },
    async findJob(queue, jobId) {
      const nodes = db && isRoutable(queue) ? await pinnedNodeNames(db) : [];
      for (const name of [queue, ...nodes.map((node) => queueOf(queue, node))]) {
        const job = await get(name).getJob(jobId);
        if (job) return job;
      }
      return undefined;
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
      queues.clear();
    },
  };
}

export { queueNames };
