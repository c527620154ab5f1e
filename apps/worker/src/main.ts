// The worker process: BullMQ workers for provisioning, node changes, teardown and health checks.
import { ConfigError, loadConfig } from '@flotilla/config';
import { createDb } from '@flotilla/db';
import { createLogger } from '@flotilla/log';
import { Redis } from 'ioredis';

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
const log = createLogger({ name: 'worker', level: config.LOG_LEVEL });
const db = createDb({ url: config.DATABASE_URL, max: config.DATABASE_POOL_MAX });
// BullMQ workers need maxRetriesPerRequest: null (they block on Redis and must retry forever).
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
redis.on('error', (error) => log.debug({ err: error }, 'redis connection error'));
log.info('worker ready');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'worker stopping');
  await Promise.allSettled([db.$disconnect(), redis.quit()]);
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
