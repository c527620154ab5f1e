import { Queue } from 'bullmq';
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

export interface QueueOptions {
  redisUrl: string;
  /** Key prefix, so several deployments (and test runs) can share one Redis. */
  prefix: string;
  /** Attempts and backoff of every job added here (the API's and the worker's alike). */
  retry?: RetryBudget;
}

export interface Queues {
  get(name: QueueName): Queue;
  /** Enqueues a job directly (workers use this; request handlers go through the outbox). */
  add<N extends JobName>(name: N, data: JobData<N>, opts?: { delay?: number }): Promise<void>;
  close(): Promise<void>;
}

/** Redis connection settings for producers: fail fast when Redis is away, never queue offline. */
export function producerConnection(redisUrl: string) {
  return { url: redisUrl, enableOfflineQueue: false, maxRetriesPerRequest: 1 };
}

/** Redis connection settings for workers, as BullMQ requires (blocking commands retry forever). */
export function workerConnection(redisUrl: string) {
  return { url: redisUrl, maxRetriesPerRequest: null };
}

export function createQueues({ redisUrl, prefix, retry }: QueueOptions): Queues {
  const jobOptions = defaultJobOptions(retry);
  const queues = new Map<QueueName, Queue>();
  const get = (name: QueueName): Queue => {
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: producerConnection(redisUrl),
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
      await get(jobs[name].queue).add(name, parsed, {
        jobId: jobIdFor(name, parsed),
        ...(opts?.delay ? { delay: opts.delay } : {}),
      });
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
      queues.clear();
    },
  };
}

export { queueNames };
