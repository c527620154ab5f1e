// How every Flotilla process connects to Redis: REDIS_URL as ioredis reads it (a password as
// `redis://:password@host`, TLS with `rediss://`), plus the CA of REDIS_TLS_CA_FILE for a server
// whose certificate no public CA signed. BullMQ queues, workers and the API's own client all
// take their options from here, so a setting that works for one works for all.
import type { Config } from '@flotilla/config';
import { Redis, type RedisOptions } from 'ioredis';

export type RedisSettings = Pick<Config, 'REDIS_URL' | 'redisTlsCa'>;

/**
 * - `client`: answers requests (the API, BullMQ producers): a command fails at once while Redis
 *   is away (the caller answers 503) instead of waiting in an offline queue.
 * - `worker`: BullMQ workers' blocking connections, which BullMQ requires to retry forever
 *   (`maxRetriesPerRequest: null`).
 */
export type RedisUse = 'client' | 'worker';

/** What Flotilla sets on a connection: the ioredis options both BullMQ and ioredis take. */
export type RedisConnectionOptions = {
  tls?: { ca: string };
  maxRetriesPerRequest: number | null;
  enableOfflineQueue?: boolean;
};

/** Options for BullMQ's `connection` (it takes `url` beside ioredis's own options). */
export function redisConnection(
  settings: RedisSettings,
  use: RedisUse,
): RedisConnectionOptions & { url: string } {
  return { url: settings.REDIS_URL, ...redisOptions(settings, use) };
}

/** An ioredis client with the same settings (health checks, pub/sub, rate limits). */
export function createRedis(settings: RedisSettings, use: RedisUse, extra: RedisOptions = {}) {
  return new Redis(settings.REDIS_URL, { ...redisOptions(settings, use), ...extra });
}

function redisOptions(settings: RedisSettings, use: RedisUse): RedisConnectionOptions {
  const tls =
    settings.redisTlsCa !== undefined && settings.REDIS_URL.startsWith('rediss:')
      ? { tls: { ca: settings.redisTlsCa } }
      : {};
  return use === 'worker'
    ? { ...tls, maxRetriesPerRequest: null }
    : { ...tls, enableOfflineQueue: false, maxRetriesPerRequest: 1 };
}
