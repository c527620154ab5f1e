import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Faults, parseFaultPlan } from './faults.ts';
import { RateBudget, type RateLimitWindow } from './rate-limit.ts';

export interface StandinRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  rawBody: string;
  /** The URL the client used to reach us, for absolute pagination links. */
  origin: string;
}

export interface StandinResponse {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON, strings as they are (AWS speaks XML). */
  body?: unknown;
}

/** Returned by a handler that wants the client to wait forever (a create that "timed out"). */
export const hang = Symbol('hang');

export interface HttpStandinOptions {
  faults: Faults;
  /**
   * The account's request budget, enforced as the provider does: a request that finds it spent
   * is answered `rateLimited`. Every answer announces it as `RateLimit-Limit/-Remaining/-Reset`
   * (the headers DigitalOcean and Hetzner both send); a planned 429 says Remaining 0 and a
   * Reset `faultResetSeconds` away, and spends nothing.
   */
  rateLimit?: { windows: RateLimitWindow[]; faultResetSeconds: number };
  /** The provider's own way of saying "slow down" (with the seconds until it may go on). */
  rateLimited(retryAfterSeconds: number): StandinResponse;
  serverError(): StandinResponse;
  handle(request: StandinRequest): Promise<StandinResponse | typeof hang>;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number | 'hung';
  /** When the request arrived (ms since the epoch). */
  at: number;
}

/** Starts a stand-in on 127.0.0.1 and an ephemeral port; `/_standin/faults` plans trouble. */
export async function startHttpStandin(options: HttpStandinOptions) {
  const requests: RequestRecord[] = [];
  const budget = options.rateLimit ? new RateBudget(options.rateLimit.windows) : undefined;
  const faultReset = options.rateLimit?.faultResetSeconds ?? 1;
  const server = createServer((req, res) => {
    void serve(req, res).catch((error: unknown) => {
      console.error('stand-in failed to answer', error);
      if (!res.headersSent) send(res, { status: 500, body: { message: String(error) } });
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const request: StandinRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      rawBody: Buffer.concat(chunks).toString('utf8'),
      origin: url.origin,
    };

    if (request.path === '/_standin/faults') {
      send(res, faultControl(options.faults, request));
      return;
    }

    const at = Date.now();
    let response: StandinResponse | typeof hang;
    let rateHeaders = budget?.headers(at) ?? {};
    if (options.faults.take('rateLimit')) {
      response = options.rateLimited(faultReset);
      if (budget) {
        rateHeaders = {
          ...rateHeaders,
          'RateLimit-Remaining': '0',
          'RateLimit-Reset': String(Math.ceil(at / 1000) + faultReset),
        };
      }
    } else if (budget && !budget.take(at)) {
      response = options.rateLimited(budget.retryAfterSeconds(at));
    } else {
      if (budget) rateHeaders = budget.headers(at);
      response = options.faults.take('serverError')
        ? options.serverError()
        : await options.handle(request);
    }

    if (response === hang) {
      requests.push({ method: request.method, path: request.path, status: 'hung', at });
      return;
    }
    requests.push({ method: request.method, path: request.path, status: response.status, at });
    send(res, { ...response, headers: { ...rateHeaders, ...response.headers } });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    /** Every API request answered so far (faults included), oldest first. */
    requests: () => [...requests],
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

function faultControl(faults: Faults, request: StandinRequest): StandinResponse {
  if (request.method === 'GET') return { status: 200, body: faults.pending() };
  if (request.method === 'DELETE') {
    faults.clear();
    return { status: 200, body: faults.pending() };
  }
  if (request.method !== 'POST')
    return { status: 405, body: { message: 'use GET, POST or DELETE' } };
  let input: unknown;
  try {
    input = JSON.parse(request.rawBody || '{}');
  } catch {
    return { status: 400, body: { message: 'body must be JSON' } };
  }
  const plan = parseFaultPlan(input);
  if (typeof plan === 'string') return { status: 400, body: { message: plan } };
  faults.plan(plan);
  return { status: 200, body: faults.pending() };
}

function send(res: ServerResponse, response: StandinResponse) {
  const isText = typeof response.body === 'string';
  const payload =
    response.body === undefined
      ? ''
      : isText
        ? (response.body as string)
        : JSON.stringify(response.body);
  res.writeHead(response.status, {
    ...(payload ? { 'content-type': isText ? 'text/xml;charset=UTF-8' : 'application/json' } : {}),
    ...response.headers,
  });
  res.end(payload);
}

/** Parses a JSON body; undefined when it is missing or not JSON. */
export function jsonBody(request: StandinRequest): unknown {
  if (!request.rawBody) return undefined;
  try {
    return JSON.parse(request.rawBody);
  } catch {
    return undefined;
  }
}

/** `Bearer <token>` → token. */
export function bearerToken(request: StandinRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
}

/** Slices a list into a page, clamping per_page as the providers do. */
export function paginate<T>(
  items: T[],
  query: URLSearchParams,
  defaults: { perPage: number; maxPerPage: number },
) {
  const page = Math.max(1, Number.parseInt(query.get('page') ?? '1', 10) || 1);
  const asked = Number.parseInt(query.get('per_page') ?? '', 10);
  const perPage = Math.min(
    defaults.maxPerPage,
    Math.max(1, Number.isNaN(asked) ? defaults.perPage : asked),
  );
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  return {
    items: items.slice((page - 1) * perPage, page * perPage),
    page,
    perPage,
    lastPage,
    total: items.length,
  };
}
