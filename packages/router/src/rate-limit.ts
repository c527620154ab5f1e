// Login attempts, limited per client address and per account. Counted in Redis, so the limit
// holds for the whole deployment however many API processes answer; while Redis does not answer,
// each process counts in memory (a brute-force brake stays on, per process).
import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from '@flotilla/log';
import type { Redis } from 'ioredis';

export interface SlidingWindow {
  /** Records a hit; returns how many seconds to wait when the limit is exceeded, else 0. */
  hit(key: string): number;
  reset(key: string): void;
}

export function createSlidingWindow(limit: number, windowMs: number): SlidingWindow {
  const hits = new Map<string, number[]>();
  let lastSweep = Date.now();

  function sweep(now: number) {
    if (now - lastSweep < windowMs) return;
    lastSweep = now;
    for (const [key, times] of hits) {
      if ((times.at(-1) ?? 0) <= now - windowMs) hits.delete(key);
    }
  }

  return {
    hit(key) {
      const now = Date.now();
      sweep(now);
      const recent = (hits.get(key) ?? []).filter((time) => time > now - windowMs);
      if (recent.length >= limit) {
        hits.set(key, recent);
        return Math.max(1, Math.ceil(((recent[0] ?? now) + windowMs - now) / 1000));
      }
      recent.push(now);
      hits.set(key, recent);
      return 0;
    },
    reset(key) {
      hits.delete(key);
    },
  };
}

export interface LoginLimits {
  perIp: { limit: number; windowMs: number };
  perAccount: { limit: number; windowMs: number };
}

export const defaultLoginLimits: LoginLimits = {
  perIp: { limit: 20, windowMs: 60_000 },
  perAccount: { limit: 10, windowMs: 15 * 60_000 },
};

/** A window shared by every process that uses it (Redis), or this process's own (memory). */
export interface LoginWindow {
  /** Records an attempt; returns how many seconds to wait when the limit is exceeded, else 0. */
  hit(key: string): Promise<number>;
  reset(key: string): Promise<void>;
}

export function memoryLoginWindow(limit: number, windowMs: number): LoginWindow {
  const window = createSlidingWindow(limit, windowMs);
  return {
    hit: async (key) => window.hit(key),
    reset: async (key) => window.reset(key),
  };
}

// One sorted set per key, an attempt per member scored by Redis's own clock (the processes'
// clocks may differ): drop what left the window, count, add when under the limit. Atomic, as
// a script runs alone.
const hitScript = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local limit = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', nowMs - windowMs)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local wait = math.ceil((tonumber(oldest[2]) + windowMs - nowMs) / 1000)
  if wait < 1 then wait = 1 end
  return wait
end
redis.call('ZADD', KEYS[1], nowMs, ARGV[3])
redis.call('PEXPIRE', KEYS[1], windowMs)
return 0
`;

export interface RedisLoginWindowOptions {
  redis: Redis;
  /** `<QUEUE_PREFIX>:login:<name>`; keys are hashed (no addresses or emails in Redis). */
  keyPrefix: string;
  limit: number;
  windowMs: number;
  log: Logger;
}

export function redisLoginWindow(options: RedisLoginWindowOptions): LoginWindow {
  const { redis, keyPrefix, limit, windowMs, log } = options;
  const fallback = createSlidingWindow(limit, windowMs);
  const keyOf = (key: string) =>
    `${keyPrefix}:${createHash('sha256').update(key).digest('base64url')}`;
  const unavailable = (error: unknown) =>
    log.warn({ err: error, keyPrefix }, 'login limits: Redis not answering, counting in memory');
  return {
    async hit(key) {
      try {
        const wait = await redis.eval(hitScript, 1, keyOf(key), limit, windowMs, randomUUID());
        return Number(wait);
      } catch (error) {
        unavailable(error);
        return fallback.hit(key);
      }
    },
    async reset(key) {
      fallback.reset(key);
      await redis.del(keyOf(key)).catch(unavailable);
    },
  };
}
