// JSON over HTTPS with the retry rules both REST providers (DigitalOcean, Hetzner) need:
// 429 is always safe to retry (the request was not processed); 5xx, timeouts and network errors
// only when the request is idempotent, because a create that failed half-way may have created.
// Every attempt first takes its place in the account's request budget (rate-budget.ts).
import type { ProviderLog, RetryPolicy } from './client.ts';
import { ProviderError } from './errors.ts';
import { type RateBudget, rateAnswerOf, retryAfterMs } from './rate-budget.ts';

export interface RestRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Statuses that are answers, not errors (e.g. 404 when looking for something). */
  accept?: readonly number[];
}

export interface RestResponse<T> {
  status: number;
  body: T;
}

export interface RestClientOptions {
  provider: string;
  baseUrl: string;
  token: string;
  fetch: typeof fetch;
  retry: RetryPolicy;
  log: ProviderLog | undefined;
  /** Pulls the provider's own error code and words out of an error body. */
  describeError(body: unknown): { code?: string | undefined; message?: string | undefined };
  /** The account's request budget: every attempt takes from it and reports back. */
  budget: RateBudget;
  sleep?: (ms: number) => Promise<void>;
}

export type RestClient = <T>(request: RestRequest) => Promise<RestResponse<T>>;

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How long the provider asked us to wait: Retry-After first, then the rate-limit reset time. */
export function requestedDelayMs(headers: Headers, now = Date.now()): number | undefined {
  const retryAfter = retryAfterMs(headers, now);
  if (retryAfter !== undefined) return retryAfter;
  // DigitalOcean and Hetzner both send the Unix time (seconds) at which requests succeed again.
  const reset = Number(headers.get('ratelimit-reset'));
  if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now);
  return undefined;
}

export function backoffMs(attempt: number, policy: RetryPolicy): number {
  const exponential = policy.baseDelayMs * 2 ** attempt;
  // Jitter (half fixed, half random) keeps workers that hit the same limit out of lockstep.
  return Math.min(policy.maxDelayMs, exponential / 2 + Math.random() * (exponential / 2));
}

export function createRestClient(options: RestClientOptions): RestClient {
  const sleep = options.sleep ?? sleepFor;
  const base = options.baseUrl.replace(/\/+$/, '');

  return async function request<T>(req: RestRequest): Promise<RestResponse<T>> {
    const url = new URL(`${base}${req.path}`);
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const idempotent = req.method !== 'POST';
    const { attempts } = options.retry;

    for (let attempt = 0; ; attempt++) {
      const last = attempt + 1 >= attempts;
      const ticket = await options.budget.take('api');
      let response: Response;
      let text: string;
      try {
        response = await options.fetch(url, {
          method: req.method,
          headers: {
            authorization: `Bearer ${options.token}`,
            accept: 'application/json',
            ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: req.body === undefined ? undefined : JSON.stringify(req.body),
          signal: AbortSignal.timeout(options.retry.requestTimeoutMs),
        });
        // The timeout covers the body too: a server that sends headers and then stalls.
        text = await response.text();
      } catch (cause) {
        await ticket.settle();
        const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
        const message = timedOut
          ? `${options.provider} did not answer ${req.method} ${req.path} within ${options.retry.requestTimeoutMs} ms`
          : `${options.provider} could not be reached (${req.method} ${req.path}): ${(cause as Error).message}`;
        if (idempotent && !last) {
          options.log?.warn({ provider: options.provider, path: req.path, attempt }, message);
          await sleep(backoffMs(attempt, options.retry));
          continue;
        }
        throw new ProviderError({ provider: options.provider, message, retryable: true, cause });
      }

      await ticket.settle(rateAnswerOf(response.status, response.headers));
      const body = text ? parseJson(text) : undefined;
      if (response.ok || req.accept?.includes(response.status)) {
        return { status: response.status, body: body as T };
      }

      const described = options.describeError(body);
      const retryable = response.status === 429 || response.status >= 500;
      const error = new ProviderError({
        provider: options.provider,
        status: response.status,
        code: described.code,
        message: described.message ?? `${options.provider} answered ${response.status}`,
        retryable,
      });
      if (!retryable || last || (response.status !== 429 && !idempotent)) throw error;

      const asked = requestedDelayMs(response.headers);
      const delay = Math.min(options.retry.maxDelayMs, asked ?? backoffMs(attempt, options.retry));
      options.log?.warn(
        { provider: options.provider, path: req.path, status: response.status, attempt, delay },
        `${options.provider} answered ${response.status}; retrying in ${Math.round(delay)} ms`,
      );
      await sleep(delay);
    }
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 500) };
  }
}
