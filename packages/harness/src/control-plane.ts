// The control plane as `pnpm start` runs it: API and worker processes, here on a database and a
// queue prefix of their own, any number of each (fault tests run two of both).
import { randomUUID } from 'node:crypto';
import { freePort, node, type Started, start, waitForHttp } from './processes.ts';

export interface ControlPlaneOptions {
  databaseUrl: string;
  redisUrl?: string;
  /** Extra environment for every process (worker timings, provider URLs, …). */
  env?: Record<string, string>;
  apis?: number;
  workers?: number;
  /** Pin the servers to core 0, leaving core 1 to load generators (benchmarks). */
  pin?: boolean;
}

export interface ControlPlane {
  /** The first API's base URL. */
  url: string;
  urls: string[];
  apis: Started[];
  workers: Started[];
  env: Record<string, string>;
  /** Starts one more worker process (after killing one, say). */
  startWorker(): Started;
  stop(): Promise<void>;
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const cpu = options.pin ? 0 : undefined;
  const env: Record<string, string> = {
    DATABASE_URL: options.databaseUrl,
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    QUEUE_PREFIX: `flt-run-${randomUUID().slice(0, 8)}`,
    LOG_LEVEL: 'warn',
    FLOTILLA_OPEN_SIGNUP: 'true',
    ...options.env,
  };
  const apis: Started[] = [];
  const urls: string[] = [];
  for (let i = 0; i < (options.apis ?? 1); i++) {
    const port = await freePort();
    apis.push(start(node('apps/api/src/main.ts'), { env: { ...env, PORT: String(port) }, cpu }));
    urls.push(`http://127.0.0.1:${port}`);
  }
  const workers: Started[] = [];
  const startWorker = () => {
    const worker = start(node('apps/worker/src/main.ts'), { env, cpu });
    workers.push(worker);
    return worker;
  };
  for (let i = 0; i < (options.workers ?? 1); i++) startWorker();
  try {
    await Promise.all(urls.map((url, i) => waitForHttp(`${url}/health`, apis[i] as Started)));
  } catch (error) {
    await Promise.all([...apis, ...workers].map((p) => p.stop()));
    throw error;
  }
  return {
    url: urls[0] as string,
    urls,
    apis,
    workers,
    env,
    startWorker,
    async stop() {
      await Promise.all([...apis, ...workers].map((p) => p.stop()));
    },
  };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    procedure: string,
  ) {
    super(`${procedure} → ${status}: ${body}`);
  }
}

/** Calls a procedure over plain HTTP and returns `result.data`; a non-2xx answer throws ApiError. */
export async function call<T>(
  url: string,
  procedure: string,
  {
    token,
    input,
    method,
    headers = {},
  }: {
    token?: string;
    input?: Record<string, unknown>;
    method?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<T> {
  const verb = method ?? (input === undefined ? 'GET' : 'POST');
  const target = new URL(`${url}/api/${procedure}`);
  if (verb === 'GET' && input) {
    for (const [key, value] of Object.entries(input)) target.searchParams.set(key, String(value));
  }
  const res = await fetch(target, {
    method: verb,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(verb !== 'GET' ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(verb !== 'GET' ? { body: JSON.stringify(input ?? {}) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new ApiError(res.status, text, procedure);
  return (text ? (JSON.parse(text) as { result: { data: T } }).result.data : undefined) as T;
}

/** Polls `read` until it returns something other than undefined, or fails naming `what`. */
export async function eventually<T>(
  what: string,
  read: () => Promise<T | undefined>,
  { timeoutMs = 120_000, intervalMs = 200 } = {},
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await read();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
