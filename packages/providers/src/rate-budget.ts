// Request budgets per provider account. A provider counts every request of an account against
// one budget, whichever worker sent it; a client that only reacts to 429s lets hundreds of
// machines at once turn into a storm of refusals and retries. So every request first takes a
// token from a budget shared by all workers (Redis, see rate-budget-redis.ts) that refills at the
// provider's published rate, and every answer tells the budget what the provider counted
// (`RateLimit-Remaining`, `RateLimit-Limit`) or demanded (`Retry-After` on a 429).
import { createHash } from 'node:crypto';
import type { CloudProvider } from './catalog.ts';

/** `limit` requests per `windowMs`, refilled continuously (a token bucket of size `limit`). */
export interface RateWindow {
  limit: number;
  windowMs: number;
}

/** Per provider, per family of requests (`api`; EC2 action categories), the windows that apply. */
export type RateLimits = Record<CloudProvider, Record<string, RateWindow[]>>;

const hour = 3_600_000;

/**
 * The providers' published limits. Hetzner: 3600 requests per hour per project, one more each
 * second. DigitalOcean: 5000 per hour and 250 per minute per token. EC2 throttles per account
 * and region with a token bucket per action category (capacity, refill per second): Describe*
 * 100/20, unfiltered and unpaginated Describe{Instances,SecurityGroups} 50/10, mutating 50/5,
 * resource-intensive (AuthorizeSecurityGroupIngress) 50/5, RunInstances 5/2 and 1000/2 for
 * instances launched, TerminateInstances 100/5 and 1000/20 for instances terminated.
 */
export const publishedRateLimits: RateLimits = {
  hetzner: { api: [{ limit: 3600, windowMs: hour }] },
  digitalocean: {
    api: [
      { limit: 5000, windowMs: hour },
      { limit: 250, windowMs: 60_000 },
    ],
  },
  aws: {
    describe: [{ limit: 100, windowMs: 5_000 }],
    'describe-unfiltered': [{ limit: 50, windowMs: 5_000 }],
    mutating: [{ limit: 50, windowMs: 10_000 }],
    'resource-intensive': [{ limit: 50, windowMs: 10_000 }],
    'run-instances': [
      { limit: 5, windowMs: 2_500 },
      { limit: 1000, windowMs: 500_000 },
    ],
    'terminate-instances': [
      { limit: 100, windowMs: 20_000 },
      { limit: 1000, windowMs: 50_000 },
    ],
  },
};

/** What the provider said about the budget in one answer. */
export interface RateAnswer {
  /** 429 (or EC2's RequestLimitExceeded): the provider refused for lack of budget. */
  limited: boolean;
  /** Requests left in the provider's count (`RateLimit-Remaining`). */
  remaining?: number | undefined;
  /** The provider's budget size (`RateLimit-Limit`), when it differs from the published one. */
  limit?: number | undefined;
  /** How long the provider asked everyone to wait (`Retry-After`). */
  retryAfterMs?: number | undefined;
}

export interface RateTicket {
  /** Reports the answer (undefined: none came, e.g. a network error). */
  settle(answer?: RateAnswer): Promise<void>;
}

/** One account's budget. */
export interface RateBudget {
  /**
   * Waits until one more request of this family may be sent, and holds its place until it is
   * settled. `scope` separates budgets the provider keeps apart (EC2: per region).
   */
  take(family: string, scope?: string): Promise<RateTicket>;
}

/** Budgets for every account, shared by whoever holds the same store. */
export interface RateBudgets {
  /** `account` identifies the credential without revealing it: see `accountKey`. */
  account(provider: CloudProvider, account: string): RateBudget;
}

const settled: RateTicket = { settle: async () => {} };

/** No budget: every request goes at once (tests, tools, a process without Redis). */
export const unlimitedBudget: RateBudget = { take: async () => settled };

/**
 * A stable name for a credential's budget: a hash, so the token never reaches Redis keys.
 * AWS throttles per account, and an access key id names one account's key.
 */
export function accountKey(secret: string): string {
  return createHash('sha256').update(`flotilla-rate-budget:${secret}`).digest('hex').slice(0, 32);
}

const headerNumber = (headers: Headers, ...names: string[]): number | undefined => {
  for (const name of names) {
    const value = headers.get(name);
    if (value === null || value.trim() === '') continue;
    const parsed = Number(value);
    if (Number.isFinite(parsed)) return parsed;
  }
  return undefined;
};

/** Retry-After as milliseconds (seconds or an HTTP date). */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * What an HTTP answer says about the budget. DigitalOcean and Hetzner send `RateLimit-*`; the
 * `X-RateLimit-*` spelling other APIs and proxies use is read too.
 */
export function rateAnswerOf(status: number, headers: Headers): RateAnswer {
  return {
    limited: status === 429,
    remaining: headerNumber(headers, 'ratelimit-remaining', 'x-ratelimit-remaining'),
    limit: headerNumber(headers, 'ratelimit-limit', 'x-ratelimit-limit'),
    retryAfterMs: status === 429 ? retryAfterMs(headers) : undefined,
  };
}
