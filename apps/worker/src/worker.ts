// The worker runtime: one BullMQ Worker per queue, the outbox dispatcher, and the repeatable
// health check. main.ts is a thin CLI over startWorker; tests run it in-process.
import { join, resolve } from 'node:path';
import type { Config } from '@flotilla/config';
import { createDb } from '@flotilla/db';
import { errorMessage, FlotillaError, isRetryable } from '@flotilla/errors';
import { createLogger, type Logger } from '@flotilla/log';
import {
  createStateSource,
  createWorkerMetrics,
  type JobMetrics,
  type WorkerMetrics,
} from '@flotilla/metrics';
import { networkPolicyFromConfig } from '@flotilla/network-policy';
import {
  createOutboxDispatcher,
  createQueues,
  isJobName,
  type JobData,
  type JobName,
  parseJobData,
  type QueueName,
  queueNames,
  queueOf,
  routableQueues,
} from '@flotilla/queue';
import { redisConnection } from '@flotilla/redis';
import { createSealer } from '@flotilla/secrets';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { joinControlPlane } from './control-plane-node.ts';
import type { Attempt, Engine, EngineSettings } from './engine.ts';
import { backupDatabase } from './jobs/backup-database.ts';
import { bindDatabase } from './jobs/bind-database.ts';
import { buildApp } from './jobs/build-app.ts';
import { createDatabase } from './jobs/create-database.ts';
import { deleteCluster } from './jobs/delete-cluster.ts';
import { deployApp } from './jobs/deploy-app.ts';
import { deployStack } from './jobs/deploy-stack.ts';
import { healthCheck } from './jobs/health-check.ts';
import { provisionCluster } from './jobs/provision-cluster.ts';
import { provisionNode } from './jobs/provision-node.ts';
import { removeApp } from './jobs/remove-app.ts';
import { removeDatabase } from './jobs/remove-database.ts';
import { removeNode } from './jobs/remove-node.ts';
import { removeStack } from './jobs/remove-stack.ts';
import { restartApp } from './jobs/restart-app.ts';
import { restoreDatabase } from './jobs/restore-database.ts';
import { scaleApp } from './jobs/scale-app.ts';
import { setNodeAvailability } from './jobs/set-node-availability.ts';
import { sweepOrphans } from './jobs/sweep-orphans.ts';
import { unbindDatabase } from './jobs/unbind-database.ts';
import { createSharedProvisioning } from './provisioning.ts';
import { version } from './version.ts';

type Handler<N extends JobName> = (
  engine: Engine,
  data: JobData<N>,
  attempt: Attempt,
) => Promise<void>;

const handlers: { [N in JobName]: Handler<N> } = {
  provisionCluster,
  provisionNode,
  removeNode,
  setNodeAvailability,
  deleteCluster,
  healthCheck: (engine, data) => healthCheck(engine, data),
  sweepOrphans: (engine) => sweepOrphans(engine),
  deployApp,
  buildApp,
  scaleApp: (engine, data) => scaleApp(engine, data),
  restartApp: (engine, data) => restartApp(engine, data),
  removeApp,
  deployStack,
  removeStack,
  createDatabase,
  removeDatabase,
  bindDatabase,
  unbindDatabase,
  backupDatabase,
  restoreDatabase,
};

export interface WorkerOptions {
  config: Config;
  log?: Logger;
  /** Overrides for timings (tests shorten them). */
  settings?: Partial<EngineSettings>;
  /**
   * Another worker took this node's name (this one missed its heartbeats for so long that it
   * counted as offline). Default: the worker stops taking jobs (main.ts also exits).
   */
  onNodeLost?: (error: Error) => void;
}

export interface RunningWorker {
  engine: Engine;
  /** What `/metrics` shows (main.ts serves it on WORKER_METRICS_PORT). */
  metrics: WorkerMetrics;
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
    apps: {
      publishMode: config.APP_PUBLISH_MODE,
      ...(config.BUILD_BASE_IMAGE ? { buildBaseImage: config.BUILD_BASE_IMAGE } : {}),
      pendingTimeoutMs: 60_000,
      pollMs: 500,
    },
    databases: {
      backupDir: resolve(
        config.FLOTILLA_BACKUP_DIR ?? join(config.FLOTILLA_DATA_DIR ?? '.flotilla', 'backups'),
      ),
      deployTimeoutMs: 10 * 60_000,
      readyTimeoutMs: 5 * 60_000,
    },
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
    redis: config,
    prefix: config.QUEUE_PREFIX,
    retry: { attempts: config.JOB_ATTEMPTS, backoffMs: config.JOB_BACKOFF_MS },
    // Jobs of a cluster or app pinned to a worker go to that worker's own queues.
    db,
  });
  const shared = createSharedProvisioning(config, log, db);
  const engine: Engine = {
    db,
    queues,
    sealer: createSealer(config.masterKey, { previousKeys: config.previousMasterKeys }),
    log,
    networkPolicy: networkPolicyFromConfig(config),
    settings: { ...engineSettings(config), ...options.settings },
    ssh: shared.ssh,
    rateBudgets: shared.rateBudgets,
    readiness: shared.readiness,
    joins: shared.joins,
    clusterWatch: shared.clusterWatch,
    nodeName: config.FLOTILLA_NODE_NAME,
  };

  // This process as a worker node of the control plane; another worker online under its name
  // stops the start here.
  const node = await joinControlPlane({
    config,
    db,
    queues,
    log,
    onLost: (error) => {
      log.error({ err: error }, 'node name lost to another worker: taking no more jobs');
      if (options.onNodeLost) options.onNodeLost(error);
      else void running.close(true);
    },
  }).catch(async (error) => {
    await shared.close();
    await queues.close();
    await db.$disconnect();
    throw error;
  });

  const concurrency: Record<QueueName, number> = {
    clusters: config.WORKER_CLUSTER_CONCURRENCY,
    nodes: config.WORKER_NODE_CONCURRENCY,
    // One health-check pass at a time in the whole deployment (set on the queue below): passes
    // that overlap when one outlasts the interval would multiply the SSH load on the servers,
    // making handshakes slow enough to be judged outages.
    health: 1,
    maintenance: 1,
    apps: config.WORKER_APP_CONCURRENCY,
    builds: config.WORKER_BUILD_CONCURRENCY,
  };
  // The shared queues, and this node's own: the jobs pinned to it (routing.ts).
  const consumed = [
    ...queueNames.map((queue) => ({ queue, name: queueOf(queue, null) })),
    ...routableQueues.map((queue) => ({ queue, name: queueOf(queue, node.name) })),
    // The health checks of the clusters pinned to this node.
    { queue: 'health' as const, name: `health@${node.name}` as const },
  ];
  const metrics = createWorkerMetrics({
    version,
    state: createStateSource({ db, queues }),
    sshPool: () => shared.ssh.stats(),
    onStateError: (error, source) => log.warn({ err: error, source }, 'metrics: state not read'),
  });
  const workers = consumed.map(({ queue, name }) => {
    const worker = new Worker(name, (job) => run(engine, job, metrics.jobs), {
      connection: redisConnection(config, 'worker'),
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
  void dispatcher.dispatch().catch((error) => log.warn({ err: error }, 'outbox dispatch failed'));

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
  // Clusters pinned to this worker are checked by it, one pass at a time like the shared one.
  await queues.get(`health@${node.name}`).upsertJobScheduler(
    'healthCheck',
    { every: config.HEALTH_CHECK_INTERVAL_MS },
    {
      name: 'healthCheck',
      data: { node: node.name },
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
  const running: RunningWorker = {
    engine,
    metrics,
    close(force = false) {
      closing ??= (async () => {
        // Offline at once: preferred jobs go to other workers while this one finishes.
        await node.stop().catch((error) => log.warn({ err: error }, 'node not marked offline'));
        await dispatcher.stop();
        await Promise.all(workers.map((w) => w.close(force)));
        await shared.close();
        metrics.close();
        await queues.close();
        await db.$disconnect();
      })();
      return closing;
    },
  };
  return running;
}

/**
 * The one place where BullMQ learns whether to try a job again: a failure that says no retry can
 * help (a changed host key, bad input, …) ends the job at once; anything else is retried within
 * its attempts.
 */
async function run(engine: Engine, job: Job, metrics: JobMetrics): Promise<void> {
  // Everything the job logs says which job it was.
  const log = engine.log.child({ job: job.id, jobName: job.name, node: engine.nodeName });
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  try {
    await runHandler({ ...engine, log }, job);
    metrics.observe(job.name, 'completed', seconds());
  } catch (error) {
    const retryable = isRetryable(error);
    const attemptsLeft = job.attemptsMade + 1 < (job.opts.attempts ?? 1);
    metrics.observe(job.name, retryable && attemptsLeft ? 'retried' : 'failed', seconds());
    if (!retryable) throw new UnrecoverableError(errorMessage(error));
    throw error;
  }
}

async function runHandler(engine: Engine, job: Job): Promise<void> {
  if (!isJobName(job.name)) throw new FlotillaError('invalid', `unknown job ${job.name}`);
  const name: JobName = job.name;
  let data: JobData<typeof name>;
  try {
    data = parseJobData(name, job.data);
  } catch (error) {
    throw new FlotillaError('invalid', `malformed ${name} payload: ${String(error)}`);
  }
  const attempts = job.opts.attempts ?? 1;
  const attempt = { number: job.attemptsMade + 1, final: job.attemptsMade + 1 >= attempts };
  await (handlers[name] as Handler<typeof name>)(engine, data, attempt);
}
