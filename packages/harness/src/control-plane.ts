// The control plane as `pnpm start` runs it: API and worker processes, compiled, here on a database
// and a queue prefix of their own, any number of each (fault tests run two of both).
import { randomUUID } from 'node:crypto';
import { compiledCommand } from './compiled.ts';
import { freePort, type Started, start, waitForHttp } from './processes.ts';

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
  /**
   * Starts one more worker process (after killing one, say), as control-plane node `name`
   * (FLOTILLA_NODE_NAME); by default a name no other worker of this control plane had.
   */
  startWorker(name?: string): Started;
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
    // The testbed's servers, opened by configuration as an operator would open a range of theirs
    // (the network policy refuses nothing there by default, but does once private ranges are).
    FLOTILLA_NETWORK_ALLOW: '10.201.0.0/16',
    // Workers of parallel test files (and two of one control plane) cannot share the default
    // metrics port: each takes a free one unless the caller names it.
    WORKER_METRICS_PORT: '0',
    ...options.env,
  };
  const [api, worker] = await Promise.all([compiledCommand('api'), compiledCommand('worker')]);
  const apis: Started[] = [];
  const urls: string[] = [];
  // Processes of one role on one machine need node names of their own (only one may hold a
  // name while online); the API and the worker default to the hostname otherwise.
  for (let i = 0; i < (options.apis ?? 1); i++) {
    const port = await freePort();
    const name = env.FLOTILLA_NODE_NAME ?? `api-${i + 1}`;
    apis.push(start(api, { env: { ...env, FLOTILLA_NODE_NAME: name, PORT: String(port) }, cpu }));
    urls.push(`http://127.0.0.1:${port}`);
  }
  const workers: Started[] = [];
  let workersStarted = 0;
  const startWorker = (name = env.FLOTILLA_NODE_NAME ?? `worker-${++workersStarted}`) => {
    const started = start(worker, { env: { ...env, FLOTILLA_NODE_NAME: name }, cpu });
    workers.push(started);
    return started;
  };
  for (let i = 0; i < (options.workers ?? 1); i++) startWorker();
  try {
    await Promise.all(urls.map((url, i) => waitForHttp(`${url}/health`, apis[i] as Started)));
    // A worker that failed at start-up (bad config, a crash in its set-up) has exited by now.
    const dead = workers.find(({ child }) => child.exitCode !== null);
    if (dead) throw new Error(`a worker exited at start:\n${dead.output()}`);
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
