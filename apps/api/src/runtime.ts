// Everything the API process runs, built from a Config: the HTTP server, the outbox dispatcher
// that moves jobs written by requests to BullMQ, the one LISTEN connection behind live events,
// and the hourly prune of idempotency keys. `main.ts` starts it; tests start it too.
import type { AddressInfo } from 'node:net';
import type { Config } from '@flotilla/config';
import { createDb, createSql } from '@flotilla/db';
import type { Logger } from '@flotilla/log';
import { createOutboxDispatcher, createQueues } from '@flotilla/queue';
import { createEventHub, createRouterServices, pruneIdempotencyKeys } from '@flotilla/router';
import { createSealer } from '@flotilla/secrets';
import { createWebHandler } from '@flotilla/web/serve';
import { Redis } from 'ioredis';
import { createApiServer } from './server.ts';

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
  const redis = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  redis.on('error', (error) => log.debug({ err: error }, 'redis connection error'));

  const queues = createQueues({
    redisUrl: config.REDIS_URL,
    prefix: config.QUEUE_PREFIX,
    retry: { attempts: config.JOB_ATTEMPTS, backoffMs: config.JOB_BACKOFF_MS },
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

  const services = createRouterServices({
    db,
    sql,
    sealer: createSealer(config.masterKey),
    log,
    openSignup: config.FLOTILLA_OPEN_SIGNUP,
    events,
    // Jobs reach Redis right after the request's transaction commits; the sweep catches failures.
    onOutboxWritten: () => {
      dispatcher.dispatch().catch((error) => log.warn({ err: error }, 'outbox dispatch failed'));
    },
  });
  // Provider APIs where config says (the public ones by default; stand-ins in tests).
  const providerApiUrls = {
    digitalocean: config.DIGITALOCEAN_API_URL,
    hetzner: config.HETZNER_API_URL,
    aws: config.AWS_ENDPOINT_URL_EC2,
  };
  services.cloudClientOptions = (provider) => ({ baseUrl: providerApiUrls[provider] });

  // The dashboard from the same origin: the built files (built once on first start if missing),
  // or Vite with hot reload under `pnpm dev`.
  const web = createWebHandler({ dev: config.FLOTILLA_WEB_DEV });
  const server = createApiServer({ config, log, db, sql, redis, services, web });
  await new Promise<void>((resolve) => server.listen(config.PORT, config.HOST, resolve));
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  return {
    url: `http://${host}:${port}`,
    async close() {
      server.close();
      server.closeAllConnections();
      clearInterval(pruning);
      await dispatcher.stop();
      await events.stop();
      await web.close();
      await Promise.allSettled([
        db.$disconnect(),
        sql.end({ timeout: 5 }),
        redis.quit(),
        queues.close(),
      ]);
    },
  };
}
