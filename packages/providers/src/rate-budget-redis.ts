// Budgets kept in Redis, so every worker and API process spends from the same count. Each
// window is a token bucket (`tokens` at time `ts`, refilled at limit/window) in a Redis hash,
// changed only by the Lua scripts below, atomically and on Redis's clock. A request reserves its
// token and waits until the bucket has it, so waiting requests queue up in order instead of
// polling. Requests sent but not yet answered are kept in a sorted set: the provider's
// `RateLimit-Remaining` does not count them yet, so they are subtracted before the bucket is
// lowered to it. Keys name the account by a hash (`accountKey`), never by its credential.
import type { CloudProvider } from './catalog.ts';
import type { ProviderLog } from './client.ts';
import {
  publishedRateLimits,
  type RateAnswer,
  type RateBudget,
  type RateBudgets,
  type RateLimits,
  type RateTicket,
  type RateWindow,
} from './rate-budget.ts';

/** What is needed of a Redis client (ioredis's `Redis` has it). */
export interface RateBudgetRedis {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

export interface RedisRateBudgetOptions {
  redis: RateBudgetRedis;
  /** Key prefix, e.g. QUEUE_PREFIX: installs sharing one Redis keep separate budgets. */
  prefix: string;
  /** Per provider and family; the published limits by default. */
  limits?: Partial<RateLimits>;
  /**
   * What each bucket keeps in reserve, as time (default 500 ms): requests reach the provider a
   * little later than they were granted, and not all equally late — one held up by a busy event
   * loop or network arrives together with those granted after it. A bucket keeps the tokens it
   * refills in that time (at least one), so that much jitter never overdraws the provider's.
   */
  headroomMs?: number;
  /** How long a request may stay unanswered before it no longer counts as in flight. */
  requestTimeoutMs?: number;
  log?: ProviderLog;
}

// KEYS: the family's buckets…, its block key, its in-flight set.
// ARGV: request id, in-flight timeout ms, headroom ms, then limit and window ms per bucket.
// Returns how many ms to wait before sending.
const takeScript = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local n = #KEYS - 2
local headroomMs = tonumber(ARGV[3])
local wait = 0
local blocked = tonumber(redis.call('GET', KEYS[n + 1]) or '0')
if blocked > now then wait = blocked - now end
for i = 1, n do
  local stored = redis.call('HMGET', KEYS[i], 'tokens', 'ts', 'limit')
  local limit = tonumber(stored[3]) or tonumber(ARGV[2 + 2 * i])
  local window = tonumber(ARGV[3 + 2 * i])
  local rate = limit / window
  local tokens = tonumber(stored[1]) or limit
  local ts = tonumber(stored[2]) or now
  if now > ts then tokens = math.min(limit, tokens + (now - ts) * rate) end
  tokens = tokens - 1
  local reserve = math.min(math.max(1, math.ceil(rate * headroomMs)), limit - 1)
  local short = reserve - tokens
  if short > 0 and short / rate > wait then wait = short / rate end
  redis.call('HSET', KEYS[i], 'tokens', tostring(tokens), 'ts', tostring(now))
  redis.call('PEXPIRE', KEYS[i], math.ceil(window) + math.ceil(wait) + 60000)
end
local timeout = tonumber(ARGV[2])
redis.call('ZADD', KEYS[n + 2], now + wait + timeout, ARGV[1])
redis.call('PEXPIRE', KEYS[n + 2], math.ceil(wait) + timeout + 60000)
return math.ceil(wait)
`;

// KEYS: the family's first bucket (the one the provider's headers describe), its block key, its
// in-flight set. ARGV: request id, remaining or '', limit or '', published limit, window ms,
// block ms or '', '1' to empty the bucket (the provider refused for lack of budget).
const settleScript = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local stored = redis.call('HMGET', KEYS[1], 'tokens', 'ts', 'limit')
local limit = tonumber(stored[3]) or tonumber(ARGV[4])
local window = tonumber(ARGV[5])
local announced = tonumber(ARGV[3])
if announced and announced > 0 and announced ~= limit then
  limit = announced
  redis.call('HSET', KEYS[1], 'limit', tostring(limit))
end
local rate = limit / window
local tokens = tonumber(stored[1]) or limit
local ts = tonumber(stored[2]) or now
if now > ts then tokens = math.min(limit, tokens + (now - ts) * rate) end
local remaining = tonumber(ARGV[2])
if remaining then
  local others = redis.call('ZCARD', KEYS[3])
  if remaining - others < tokens then tokens = remaining - others end
end
if ARGV[7] == '1' and tokens > 0 then tokens = 0 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(window) + 60000)
local block = tonumber(ARGV[6])
if block and block > 0 then
  local current = tonumber(redis.call('GET', KEYS[2]) or '0')
  if now + block > current then redis.call('SET', KEYS[2], tostring(now + block), 'PX', math.ceil(block)) end
end
return 1
`;

const redisTimeoutMs = 2_000;
/** Woken this much later than its turn, a request takes a new one (see take). */
const lateMs = 250;
// KEYS: the family's in-flight set. ARGV: request id. A turn given up, no longer in flight.
const dropScript = `redis.call('ZREM', KEYS[1], ARGV[1])`;

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis did not answer ${what} within ${redisTimeoutMs} ms`)),
      redisTimeoutMs,
    );
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createRedisRateBudgets(options: RedisRateBudgetOptions): RateBudgets {
  const headroomMs = options.headroomMs ?? 500;
  const requestTimeoutMs = options.requestTimeoutMs ?? 120_000;
  const limits = { ...publishedRateLimits, ...options.limits };
  let warned = false;
  // Without Redis the provider's own 429s still protect it: a budget that cannot be read must
  // not stop provisioning, so the request goes unthrottled and the fault is logged once.
  const unavailable = (provider: CloudProvider, error: unknown) => {
    if (warned) return;
    warned = true;
    options.log?.warn(
      { provider, err: error },
      `provider rate budget unavailable (${(error as Error).message}); sending without it`,
    );
  };

  return {
    account(provider, account): RateBudget {
      const windowsOf = (family: string): RateWindow[] => {
        const windows = limits[provider]?.[family];
        if (!windows?.length) throw new Error(`no rate limit for ${provider} requests "${family}"`);
        return windows;
      };
      return {
        async take(family, scope = '') {
          const windows = windowsOf(family);
          // One hash slot per account (Redis Cluster), the credential never in the key.
          const base = `${options.prefix}:rate:{${provider}:${account}}:${scope}:${family}`;
          const keys = [
            ...windows.map((_, i) => `${base}:bucket:${i}`),
            `${base}:blocked`,
            `${base}:inflight`,
          ];
          let id = '';
          try {
            // A turn is taken again when this process woke up late for it (its event loop busy
            // for longer than `lateMs`): the requests granted over that time would all reach the
            // provider together, as a burst its own bucket may refuse. The late turn's token stays
            // spent; at most a few times, then the request goes as it is.
            for (let turn = 0; ; turn++) {
              id = `${process.pid}:${Date.now()}:${Math.random().toString(36).slice(2)}`;
              const wait = Number(
                await withTimeout(
                  options.redis.eval(
                    takeScript,
                    keys.length,
                    ...keys,
                    id,
                    requestTimeoutMs,
                    headroomMs,
                    ...windows.flatMap((window) => [window.limit, window.windowMs]),
                  ),
                  'a rate budget request',
                ),
              );
              if (wait <= 0) break;
              const due = Date.now() + wait;
              await sleep(wait);
              if (Date.now() - due <= lateMs || turn >= 3) break;
              await withTimeout(
                options.redis.eval(dropScript, 1, `${base}:inflight`, id),
                'a rate budget answer',
              );
            }
          } catch (error) {
            unavailable(provider, error);
            return { settle: async () => {} } satisfies RateTicket;
          }
          const first = windows[0]!;
          return {
            async settle(answer?: RateAnswer) {
              try {
                await withTimeout(
                  options.redis.eval(
                    settleScript,
                    3,
                    keys[0]!,
                    `${base}:blocked`,
                    `${base}:inflight`,
                    id,
                    answer?.remaining ?? '',
                    answer?.limit ?? '',
                    first.limit,
                    first.windowMs,
                    answer?.retryAfterMs ?? '',
                    answer?.limited ? '1' : '0',
                  ),
                  'a rate budget answer',
                );
              } catch (error) {
                unavailable(provider, error);
              }
            },
          };
        },
      };
    },
  };
}
