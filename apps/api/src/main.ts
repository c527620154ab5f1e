// The API process: HTTP server for the typed tRPC client, /api/* for plain HTTP, /health, and
// the outbox dispatcher that moves jobs written by requests to BullMQ.
import { ConfigError, developmentMasterKeyWarning, loadConfig } from '@flotilla/config';
import { createDb, createSql } from '@flotilla/db';
import { createLogger } from '@flotilla/log';
import { createOutboxDispatcher, createQueues } from '@flotilla/queue';
import { createEventHub, createRouterServices, pruneIdempotencyKeys } from '@flotilla/router';
import { createSealer } from '@flotilla/secrets';
import { createWebHandler } from '@flotilla/web/serve';
import { Redis } from 'ioredis';
import { createApiServer } from './server.ts';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
const log = createLogger({ name: 'api', level: config.LOG_LEVEL });
if (config.masterKeyIsDevelopmentDefault) log.warn(developmentMasterKeyWarning);

const db = createDb({
  url: config.DATABASE_URL,
  max: config.DATABASE_POOL_MAX,
  connectionTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
});
const sql = createSql(config.DATABASE_URL, { max: config.DATABASE_POOL_MAX });
// No offline queue: while Redis is away, commands fail at once (health says so) instead of piling up.
const redis = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
redis.on('error', (error) => log.debug({ err: error }, 'redis connection error'));

const queues = createQueues({ redisUrl: config.REDIS_URL, prefix: config.QUEUE_PREFIX });
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

// The dashboard from the same origin: the built files (built once on first start if missing).
const web = createWebHandler({ dev: false });
// Provider APIs where config says (the public ones by default; stand-ins in tests).
const providerApiUrls = {
  digitalocean: config.DIGITALOCEAN_API_URL,
  hetzner: config.HETZNER_API_URL,
  aws: config.AWS_ENDPOINT_URL_EC2,
};
services.cloudClientOptions = (provider) => ({ baseUrl: providerApiUrls[provider] });

const server = createApiServer({ config, log, db, sql, redis, services, web });
server.listen(config.PORT, config.HOST, () => {
  log.info({ url: `http://${config.HOST}:${config.PORT}` }, 'api listening');
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'api stopping');
  server.close();
  server.closeIdleConnections();
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
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
