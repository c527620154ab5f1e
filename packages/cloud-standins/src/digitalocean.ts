// DigitalOcean API v2, the subset Flotilla uses: account, account/keys, droplets by tag, one
// module per resource under digitalocean/. This file checks the token (read-only tokens may only
// GET) and asks each resource in turn. Shapes, status codes and headers follow
// https://docs.digitalocean.com/reference/api/.
import { accountRoutes } from './digitalocean/account.ts';
import { dropletRoutes } from './digitalocean/droplets.ts';
import { sshKeyRoutes } from './digitalocean/ssh-keys.ts';
import { type DigitalOceanState, error, notFound } from './digitalocean/state.ts';
import { Faults } from './faults.ts';
import {
  bearerToken,
  type hang,
  type StandinRequest,
  type StandinResponse,
  startHttpStandin,
} from './http.ts';
import {
  createMemoryBackend,
  type MachineBackend,
  MachineFleet,
  standinHandle,
} from './machines.ts';
import type { RateLimitWindow } from './rate-limit.ts';

export const digitalOceanTestToken =
  'dop_v1_standin0000000000000000000000000000000000000000000000000000';
export const digitalOceanReadOnlyToken =
  'dop_v1_standinreadonly00000000000000000000000000000000000000000000';

export interface DigitalOceanStandinOptions {
  backend?: MachineBackend;
  /** Tokens with read and write scope; defaults to `digitalOceanTestToken`. */
  tokens?: string[];
  readOnlyTokens?: string[];
  /** DigitalOcean allows 200 per page; tests lower it to see pagination. */
  maxPerPage?: number;
  bootDelayMs?: number;
  /** Seconds a planned 429 (`faults.rateLimit`) asks the client to wait. */
  retryAfterSeconds?: number;
  /**
   * The token's request budget, enforced (default DigitalOcean's 5000 per hour and 250 per
   * minute): a request beyond it is answered 429 with Retry-After.
   */
  rateLimit?: RateLimitWindow[];
}

export async function startDigitalOceanStandin(options: DigitalOceanStandinOptions = {}) {
  const faults = new Faults();
  const fleet = new MachineFleet(
    options.backend ?? createMemoryBackend(),
    options.bootDelayMs ?? 20,
  );
  const writeTokens = new Set(options.tokens ?? [digitalOceanTestToken]);
  const readTokens = new Set(options.readOnlyTokens ?? [digitalOceanReadOnlyToken]);
  let nextId = 100_000_001;
  const state: DigitalOceanState = {
    fleet,
    faults,
    keys: [],
    nextId: () => nextId++,
    maxPerPage: options.maxPerPage ?? 200,
  };
  const retryAfter = options.retryAfterSeconds ?? 1;
  const routes = [accountRoutes(), sshKeyRoutes(state), dropletRoutes(state)];

  async function route(request: StandinRequest): Promise<StandinResponse | typeof hang> {
    const token = bearerToken(request);
    if (!token || !(writeTokens.has(token) || readTokens.has(token))) {
      return error(401, 'unauthorized', 'Unable to authenticate you');
    }
    if (request.method !== 'GET' && !writeTokens.has(token)) {
      return error(403, 'Forbidden', 'You are not authorized to perform this operation');
    }
    for (const answer of routes) {
      const response = await answer(request);
      if (response !== undefined) return response;
    }
    return notFound();
  }

  const http = await startHttpStandin({
    faults,
    rateLimit: {
      windows: options.rateLimit ?? [
        { limit: 5000, windowSeconds: 3600 },
        { limit: 250, windowSeconds: 60 },
      ],
      faultResetSeconds: retryAfter,
    },
    // DigitalOcean adds Retry-After to its 429s (since 2023).
    rateLimited: (seconds) => ({
      status: 429,
      headers: { 'retry-after': String(seconds) },
      body: { id: 'too_many_requests', message: 'API Rate limit exceeded.' },
    }),
    serverError: () => error(500, 'server_error', 'Server was unable to give you a response.'),
    handle: route,
  });

  return {
    ...standinHandle(http, faults, fleet),
    sshKeys: () => [...state.keys],
  };
}

export type DigitalOceanStandin = Awaited<ReturnType<typeof startDigitalOceanStandin>>;
