// Everything the API process runs, built from a Config: the HTTP server, the outbox dispatcher
// that moves jobs written by requests to BullMQ, the one LISTEN connection behind live events,
// and the hourly prune of idempotency keys. `main.ts` starts it; tests start it too.
import type { AddressInfo } from 'node:net';
import type { Config } from '@flotilla/config';
import { createDb, createSql } from '@flotilla/db';
import type { Logger } from '@flotilla/log';
import { createApiMetrics, createStateSource } from '@flotilla/metrics';
import { createOutboxDispatcher, createQueues, rebalanceJobs, registerNode } from '@flotilla/queue';
import { createRedis } from '@flotilla/redis';
import {
  createEventHub,
  createRouterServices,
  pruneIdempotencyKeys,
  routerSettingsFromConfig,
} from '@flotilla/router';
import { createSealer } from '@flotilla/secrets';
import { createDashboardHandler } from './dashboard.ts';
import { createQueueView } from './queue-view.ts';
import { createApiServer } from './server.ts';
import { version } from './version.ts';

export interface ApiRuntime {
  url: string;
  close(): Promise<void>;
}

export async function startApiRuntime(config: Config, log: Logger): Promise<ApiRuntime> {
  const db = createDb({
    url: config.DATABASE_URL,
    max: config.DATABASE_POOL_MAX,
    connectionTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
  });
  const sql = createSql(config.DATABASE_URL, { max: config.DATABASE_POOL_MAX });
  // No offline queue: while Redis is away, commands fail at once (health says so) instead of piling up.
  const redis = createRedis(config, 'client');
  redis.on('error', (error) => log.debug({ err: error }, 'redis connection error'));
  // Token revocations from the other API processes; a subscribed connection takes no other
  // commands, and like a worker's it reconnects for as long as it takes.
  const subscriber = createRedis(config, 'worker');

  const queues = createQueues({
    redis: config,
    prefix: config.QUEUE_PREFIX,
    retry: { attempts: config.JOB_ATTEMPTS, backoffMs: config.JOB_BACKOFF_MS },
    // Jobs of a cluster or app pinned to a worker go to that worker's own queues.
    db,
  });
  const dispatcher = createOutboxDispatcher({
    db,
    queues,
    onError: (error) => log.warn({ err: error }, 'outbox dispatch failed; retrying'),
  });
  dispatcher.start();
  // Idempotency keys are honoured for a day.
  const pruning = setInterval(() => {
    pruneIdempotencyKeys(db).catch((error) => log.warn({ err: error }, 'idempotency prune failed'));
  }, 3600_000);
  pruning.unref();
  const events = createEventHub(sql);
  await events.start();

  // Provider APIs where config says (the public ones by default; stand-ins in tests).
  const providerApiUrls = {
    digitalocean: config.DIGITALOCEAN_API_URL,
    hetzner: config.HETZNER_API_URL,
    aws: config.AWS_ENDPOINT_URL_EC2,
  };
  const services = createRouterServices({
    db,
    sql,
    sealer: createSealer(config.masterKey, { previousKeys: config.previousMasterKeys }),
    log,
    ...routerSettingsFromConfig(config),
    redis: { client: redis, subscriber, prefix: config.QUEUE_PREFIX },
    events,
    // Jobs reach Redis right after the request's transaction commits; the sweep catches failures.
    onOutboxWritten: () => {
      dispatcher.dispatch().catch((error) => log.warn({ err: error }, 'outbox dispatch failed'));
    },
    cloudClientOptions: (provider) => ({ baseUrl: providerApiUrls[provider] }),
    nodeName: config.FLOTILLA_NODE_NAME,
    version,
    rebalanceJobs: async () => {
      if ((await rebalanceJobs({ db, queues })) > 0) await dispatcher.dispatch();
    },
  });

  // The dashboard from the same origin: the files `pnpm build` wrote, or under `pnpm dev` a
  // redirect to Vite's dev server.
  const web = createDashboardHandler(config, log);
  const metrics = createApiMetrics({
    version,
    state: createStateSource({ db, queues }),
    onStateError: (error, source) => log.warn({ err: error, source }, 'metrics: state not read'),
  });
  const queueView = createQueueView({ services, db, queues, log });
  const server = createApiServer({
    config,
    log,
    db,
    sql,
    redis,
    services,
    web,
    metrics,
    queueView,
  });
  await new Promise<void>((resolve) => server.listen(config.PORT, config.HOST, resolve));
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  // This process as a node of the control plane (controlPlane.overview). An API that loses its
  // name to another process takes no jobs, so it keeps serving and says so.
  const node = await registerNode(
    {
      name: config.FLOTILLA_NODE_NAME,
      role: 'api',
      url: config.PUBLIC_URL ?? `http://${host}:${port}`,
      tags: config.FLOTILLA_NODE_TAGS,
      version,
    },
    {
      db,
      log,
      heartbeatMs: config.FLOTILLA_HEARTBEAT_MS,
      onLost: (error) => log.error({ err: error }, 'node name lost to another process'),
    },
  ).catch(async (error) => {
    server.close();
    await dispatcher.stop();
    await events.stop();
    throw error;
  });

  return {
    url: `http://${host}:${port}`,
    async close() {
      await node.stop().catch((error) => log.warn({ err: error }, 'node not marked offline'));
      server.close();
      server.closeAllConnections();
      clearInterval(pruning);
      metrics.close();
      await dispatcher.stop();
      await events.stop();
      await Promise.allSettled([
        db.$disconnect(),
        sql.end({ timeout: 5 }),
        redis.quit(),
        subscriber.quit(),
        queues.close(),
      ]);
    },
  };
}
