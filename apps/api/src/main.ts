// The API process: HTTP server for the typed tRPC client, /api/* for plain HTTP, /health.
import { ConfigError, developmentMasterKeyWarning, loadConfig } from '@flotilla/config';
import { createDb, createSql } from '@flotilla/db';
import { createLogger } from '@flotilla/log';
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

const server = createApiServer({ config, log, db, sql, redis });
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
  await Promise.allSettled([db.$disconnect(), sql.end({ timeout: 5 }), redis.quit()]);
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
