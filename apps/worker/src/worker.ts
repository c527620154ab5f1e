// The worker runtime: one BullMQ Worker per queue, the outbox dispatcher, and the repeatable
// health check. main.ts is a thin CLI over startWorker; tests run it in-process.
import type { Config } from '@flotilla/config';
import { createDb } from '@flotilla/db';
import { createLogger, type Logger } from '@flotilla/log';
import {
  createOutboxDispatcher,
  createQueues,
  isJobName,
  type JobData,
  type JobName,
  parseJobData,
  type QueueName,
  queueNames,
  workerConnection,
} from '@flotilla/queue';
import { createSealer } from '@flotilla/secrets';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Attempt, Engine, EngineSettings } from './engine.ts';
import { deleteCluster } from './jobs/delete-cluster.ts';
import { healthCheck } from './jobs/health-check.ts';
import { provisionCluster } from './jobs/provision-cluster.ts';
import { provisionNode } from './jobs/provision-node.ts';
import { removeNode } from './jobs/remove-node.ts';
import { sweepOrphans } from './jobs/sweep-orphans.ts';

type Handler<N extends JobName> = (
  engine: Engine,
  data: JobData<N>,
  attempt: Attempt,
) => Promise<void>;

const handlers: { [N in JobName]: Handler<N> } = {
  provisionCluster,
  provisionNode,
  removeNode,
  deleteCluster,
  healthCheck: (engine) => healthCheck(engine),
  sweepOrphans: (engine) => sweepOrphans(engine),
};

export interface WorkerOptions {
  config: Config;
  log?: Logger;
  /** Overrides for timings (tests shorten them). */
  settings?: Partial<EngineSettings>;
}

export interface RunningWorker {
  engine: Engine;
  /** Lets running jobs finish (or, with `force`, releases them to another worker), then stops. */
  close(force?: boolean): Promise<void>;
}

export function engineSettings(config: Config): EngineSettings {
  return {
    sshCommandTimeoutMs: config.SSH_COMMAND_TIMEOUT_MS,
    sshWaitTimeoutMs: config.SSH_WAIT_TIMEOUT_MS,
    readyTimeoutMs: 120_000,
    drainTimeoutMs: 120_000,
    k3s: {
      installUrl: config.K3S_INSTALL_URL,
      ...(config.K3S_ARTIFACT ? { artifactPath: config.K3S_ARTIFACT } : {}),
    },
    providerUrls: {
      digitalocean: config.DIGITALOCEAN_API_URL,
      hetzner: config.HETZNER_API_URL,
      aws: config.AWS_ENDPOINT_URL_EC2,
    },
    serverReadyTimeoutMs: 10 * 60_000,
    healthCheckMisses: config.HEALTH_CHECK_MISSES,
  };
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { config } = options;
  const log = options.log ?? createLogger({ name: 'worker', level: config.LOG_LEVEL });
  const db = createDb({
    url: config.DATABASE_URL,
    max: config.DATABASE_POOL_MAX,
    connectionTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
  });
  const queues = createQueues({
    redisUrl: config.REDIS_URL,
    prefix: config.QUEUE_PREFIX,
    retry: { attempts: config.JOB_ATTEMPTS, backoffMs: config.JOB_BACKOFF_MS },
  });
  const engine: Engine = {
    db,
    queues,
    sealer: createSealer(config.masterKey),
    log,
    settings: { ...engineSettings(config), ...options.settings },
  };

  const concurrency: Record<QueueName, number> = {
    clusters: config.WORKER_CLUSTER_CONCURRENCY,
    nodes: config.WORKER_NODE_CONCURRENCY,
    // One health-check pass at a time in the whole deployment (set on the queue below): passes
    // that overlap when one outlasts the interval would multiply the SSH load on the servers,
    // making handshakes slow enough to be judged outages.
    health: 1,
    maintenance: 1,
  };
  const workers = queueNames.map((queue) => {
    const worker = new Worker(queue, (job) => run(engine, job), {
      connection: workerConnection(config.REDIS_URL),
      prefix: config.QUEUE_PREFIX,
      concurrency: concurrency[queue],
      lockDuration: config.WORKER_LOCK_DURATION_MS,
      stalledInterval: config.WORKER_STALLED_INTERVAL_MS,
      // A job whose worker was killed is handed on, several times if need be, not failed.
      maxStalledCount: 5,
    });
    worker.on('error', (error) => log.warn({ err: error, queue }, 'worker error'));
    worker.on('failed', (job, error) =>
      log.warn(
        { queue, job: job?.id, attempts: job?.attemptsMade, err: error },
        'job attempt failed',
      ),
    );
    return worker;
  });

  const dispatcher = createOutboxDispatcher({
    db,
    queues,
    onError: (error) => log.warn({ err: error }, 'outbox dispatch failed'),
  });
  dispatcher.start();
  void dispatcher.dispatch().catch(() => {});

  // Health checks used to be scheduled on the maintenance queue; an upgraded deployment's old
  // schedule would run passes beside the new one.
  await queues.get('maintenance').removeJobScheduler('healthCheck');
  await queues.get('health').setGlobalConcurrency(1);
  await queues.get('health').upsertJobScheduler(
    'healthCheck',
    { every: config.HEALTH_CHECK_INTERVAL_MS },
    {
      name: 'healthCheck',
      data: {},
      opts: { attempts: 1, removeOnComplete: true, removeOnFail: 100 },
    },
  );
  await queues.get('maintenance').upsertJobScheduler(
    'sweepOrphans',
    { every: config.SWEEP_ORPHANS_INTERVAL_MS },
    {
      name: 'sweepOrphans',
      data: {},
      opts: { attempts: 1, removeOnComplete: true, removeOnFail: 100 },
    },
  );
  log.info({ prefix: config.QUEUE_PREFIX }, 'worker ready');

  let closing: Promise<void> | undefined;
  return {
    engine,
    close(force = false) {
      closing ??= (async () => {
        await dispatcher.stop();
        await Promise.all(workers.map((w) => w.close(force)));
        await queues.close();
        await db.$disconnect();
      })();
      return closing;
    },
  };
}

async function run(engine: Engine, job: Job): Promise<void> {
  if (!isJobName(job.name)) throw new UnrecoverableError(`unknown job ${job.name}`);
  const name: JobName = job.name;
  let data: JobData<typeof name>;
  try {
    data = parseJobData(name, job.data);
  } catch (error) {
    throw new UnrecoverableError(`malformed ${name} payload: ${String(error)}`);
  }
  const attempts = job.opts.attempts ?? 1;
  const attempt = { number: job.attemptsMade + 1, final: job.attemptsMade + 1 >= attempts };
  await (handlers[name] as Handler<typeof name>)(engine, data, attempt);
}
