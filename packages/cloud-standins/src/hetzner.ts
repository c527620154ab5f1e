// Hetzner Cloud API v1, the subset Flotilla uses: servers (labels, label_selector), ssh_keys and
// actions, one module per resource under hetzner/. This file checks the token (read-only tokens
// may only GET) and asks each resource in turn. Shapes, status codes and headers follow
// https://docs.hetzner.cloud/.
import { Faults } from './faults.ts';
import { actionRoutes } from './hetzner/actions.ts';
import { serverRoutes } from './hetzner/servers.ts';
import { sshKeyRoutes } from './hetzner/ssh-keys.ts';
import { error, type HetznerState } from './hetzner/state.ts';
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

export const hetznerTestToken = 'hcloud-standin-read-write-token-0000000000000000000000000000000';
export const hetznerReadOnlyToken =
  'hcloud-standin-read-only-token-00000000000000000000000000000000';

export interface HetznerStandinOptions {
  backend?: MachineBackend;
  tokens?: string[];
  readOnlyTokens?: string[];
  /** Hetzner allows 50 per page; tests lower it to see pagination. */
  maxPerPage?: number;
  bootDelayMs?: number;
  /** How long a delete action stays `running`. */
  actionDelayMs?: number;
  /** What a planned 429 (`faults.rateLimit`) announces as its RateLimit-Reset, in seconds. */
  retryAfterSeconds?: number;
  /**
   * The project's request budget, enforced (default Hetzner's 3600 per hour, one more each
   * second): a request beyond it is answered 429 `rate_limit_exceeded`.
   */
  rateLimit?: RateLimitWindow;
}

export async function startHetznerStandin(options: HetznerStandinOptions = {}) {
  const faults = new Faults();
  const fleet = new MachineFleet(
    options.backend ?? createMemoryBackend(),
    options.bootDelayMs ?? 20,
  );
  const writeTokens = new Set(options.tokens ?? [hetznerTestToken]);
  const readTokens = new Set(options.readOnlyTokens ?? [hetznerReadOnlyToken]);
  let nextId = 4_000_001;
  const state: HetznerState = {
    fleet,
    faults,
    keys: [],
    actions: new Map(),
    nextId: () => nextId++,
    maxPerPage: options.maxPerPage ?? 50,
    actionDelayMs: options.actionDelayMs ?? 20,
  };
  const rateLimit = options.rateLimit ?? { limit: 3600, windowSeconds: 3600 };
  const routes = [sshKeyRoutes(state), serverRoutes(state), actionRoutes(state)];

  async function route(request: StandinRequest): Promise<StandinResponse | typeof hang> {
    const token = bearerToken(request);
    if (!token || !(writeTokens.has(token) || readTokens.has(token))) {
      return error(401, 'unauthorized', 'unable to authenticate');
    }
    if (request.method !== 'GET' && !writeTokens.has(token)) {
      return error(403, 'token_readonly', 'The token is only allowed to perform GET requests');
    }
    for (const answer of routes) {
      const response = await answer(request);
      if (response !== undefined) return response;
    }
    return error(404, 'not_found', 'not found');
  }

  const http = await startHttpStandin({
    faults,
    rateLimit: { windows: [rateLimit], faultResetSeconds: options.retryAfterSeconds ?? 1 },
    rateLimited: () =>
      error(
        429,
        'rate_limit_exceeded',
        `limit of ${rateLimit.limit} requests per ${rateLimit.windowSeconds} s reached`,
      ),
    serverError: () => error(500, 'server_error', 'Server error'),
    handle: route,
  });

  return {
    ...standinHandle(http, faults, fleet),
    sshKeys: () => [...state.keys],
  };
}

export type HetznerStandin = Awaited<ReturnType<typeof startHetznerStandin>>;
