// Hetzner Cloud API v1, the subset Flotilla uses: servers (labels, label_selector), ssh_keys and
// actions. Shapes, status codes and headers follow https://docs.hetzner.cloud/.
import { Faults } from './faults.ts';
import { fingerprintOf } from './fingerprint.ts';
import {
  bearerToken,
  hang,
  jsonBody,
  paginate,
  type StandinRequest,
  type StandinResponse,
  startHttpStandin,
} from './http.ts';
import { matchesLabelSelector } from './label-selector.ts';
import {
  createMemoryBackend,
  type MachineBackend,
  MachineFleet,
  type StandinMachine,
  standinHandle,
} from './machines.ts';

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
  /** Seconds until the rate-limit bucket is full again after a 429. */
  retryAfterSeconds?: number;
}

interface SshKey {
  id: number;
  name: string;
  fingerprint: string;
  public_key: string;
  labels: Record<string, string>;
  created: string;
}

interface Action {
  id: number;
  command: string;
  started: Date;
  resources: { id: number; type: string }[];
  /** Decides the status each time it is read: actions progress while nobody watches. */
  done(): boolean;
}

// What a project can order, as /v1/server_types, /v1/locations and /v1/images list them (a subset).
const serverTypes = ['cx22', 'cx32', 'cpx11', 'cpx21', 'cpx31', 'cpx41', 'cpx51', 'cax11', 'ccx13'];
const locations = ['fsn1', 'nbg1', 'hel1', 'ash', 'hil', 'sin'];
const systemImages = ['ubuntu-24.04', 'ubuntu-22.04', 'debian-12', 'rocky-9'];

const hostname = /^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,61}[a-zA-Z0-9])?$/;
const labelValue = /^([a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?)?$/;

const error = (status: number, code: string, message: string): StandinResponse => ({
  status,
  body: { error: { code, message, details: null } },
});

export async function startHetznerStandin(options: HetznerStandinOptions = {}) {
  const faults = new Faults();
  const fleet = new MachineFleet(
    options.backend ?? createMemoryBackend(),
    options.bootDelayMs ?? 20,
  );
  const writeTokens = new Set(options.tokens ?? [hetznerTestToken]);
  const readTokens = new Set(options.readOnlyTokens ?? [hetznerReadOnlyToken]);
  const keys: SshKey[] = [];
  const actions = new Map<number, Action>();
  let nextId = 4_000_001;
  const limit = 3600;

  const invalidInput = (field: string) =>
    error(400, 'invalid_input', `invalid input in field '${field}'`);

  function server(machine: StandinMachine) {
    const status =
      machine.state === 'running' ? 'running' : machine.state === 'off' ? 'off' : 'initializing';
    return {
      id: Number(machine.id),
      name: machine.name,
      status,
      created: machine.createdAt.toISOString(),
      public_net: {
        ipv4: machine.address
          ? {
              ip: machine.address,
              blocked: false,
              dns_ptr: `static.${machine.address}.clients.your-server.de`,
            }
          : null,
        ipv6: null,
        floating_ips: [],
        firewalls: [],
      },
      server_type: { name: machine.type },
      datacenter: { name: `${machine.region}-dc1`, location: { name: machine.region } },
      image: { name: machine.image, type: 'system' },
      labels: machine.labels,
      locked: false,
    };
  }

  function action(entry: Action) {
    const done = entry.done();
    return {
      id: entry.id,
      command: entry.command,
      status: done ? 'success' : 'running',
      progress: done ? 100 : 0,
      started: entry.started.toISOString(),
      finished: done ? new Date().toISOString() : null,
      resources: entry.resources,
      error: null,
    };
  }

  function newAction(command: string, resourceId: number, done: () => boolean) {
    const entry = {
      id: nextId++,
      command,
      started: new Date(),
      resources: [{ id: resourceId, type: 'server' }],
      done,
    };
    actions.set(entry.id, entry);
    return entry;
  }

  function page<T>(request: StandinRequest, items: T[], key: string): StandinResponse {
    const slice = paginate(items, request.query, {
      perPage: 25,
      maxPerPage: options.maxPerPage ?? 50,
    });
    return {
      status: 200,
      body: {
        [key]: slice.items,
        meta: {
          pagination: {
            page: slice.page,
            per_page: slice.perPage,
            previous_page: slice.page > 1 ? slice.page - 1 : null,
            next_page: slice.page < slice.lastPage ? slice.page + 1 : null,
            last_page: slice.lastPage,
            total_entries: slice.total,
          },
        },
      },
    };
  }

  async function route(request: StandinRequest): Promise<StandinResponse | typeof hang> {
    const token = bearerToken(request);
    if (!token || !(writeTokens.has(token) || readTokens.has(token))) {
      return error(401, 'unauthorized', 'unable to authenticate');
    }
    if (request.method !== 'GET' && !writeTokens.has(token)) {
      return error(403, 'token_readonly', 'The token is only allowed to perform GET requests');
    }
    const { method, path, query } = request;

    if (path === '/v1/ssh_keys') {
      if (method === 'GET') {
        const fingerprint = query.get('fingerprint');
        const name = query.get('name');
        return page(
          request,
          keys.filter(
            (k) => (!fingerprint || k.fingerprint === fingerprint) && (!name || k.name === name),
          ),
          'ssh_keys',
        );
      }
      if (method === 'POST') {
        const input = jsonBody(request) as { name?: unknown; public_key?: unknown } | undefined;
        if (typeof input?.name !== 'string' || !input.name) return invalidInput('name');
        const fingerprint =
          typeof input.public_key === 'string' ? fingerprintOf(input.public_key) : undefined;
        if (!fingerprint) return invalidInput('public_key');
        if (keys.some((k) => k.name === input.name))
          return error(409, 'uniqueness_error', 'SSH key with the same name already exists');
        if (keys.some((k) => k.fingerprint === fingerprint)) {
          return error(409, 'uniqueness_error', 'SSH key with the same fingerprint already exists');
        }
        const key: SshKey = {
          id: nextId++,
          name: input.name,
          fingerprint,
          public_key: (input.public_key as string).trim(),
          labels: {},
          created: new Date().toISOString(),
        };
        keys.push(key);
        return { status: 201, body: { ssh_key: key } };
      }
    }

    if (path === '/v1/servers') {
      if (method === 'GET') {
        const selector = query.get('label_selector');
        const name = query.get('name');
        const machines = fleet
          .list()
          .filter(
            (m) =>
              (!selector || matchesLabelSelector(m.labels, selector)) && (!name || m.name === name),
          );
        return page(request, machines.map(server), 'servers');
      }
      if (method === 'POST') return createServer(request);
    }

    const serverMatch = /^\/v1\/servers\/(\d+)$/.exec(path);
    if (serverMatch) {
      const machine = fleet.get(serverMatch[1]!);
      if (!machine) return error(404, 'not_found', `server with ID '${serverMatch[1]}' not found`);
      if (method === 'GET') return { status: 200, body: { server: server(machine) } };
      if (method === 'DELETE') {
        const delay = options.actionDelayMs ?? 20;
        const started = Date.now();
        const deleted = newAction(
          'delete_server',
          Number(machine.id),
          () => Date.now() - started >= delay,
        );
        await fleet.remove(machine.id);
        return { status: 200, body: { action: action(deleted) } };
      }
    }

    const actionMatch = /^\/v1\/actions\/(\d+)$/.exec(path);
    if (actionMatch && method === 'GET') {
      const entry = actions.get(Number(actionMatch[1]));
      if (!entry) return error(404, 'not_found', `action with ID '${actionMatch[1]}' not found`);
      return { status: 200, body: { action: action(entry) } };
    }

    return error(404, 'not_found', 'not found');
  }

  function createServer(request: StandinRequest): StandinResponse | typeof hang {
    const input = jsonBody(request) as Record<string, unknown> | undefined;
    if (!input || typeof input !== 'object') return invalidInput('body');
    const {
      name,
      server_type: type,
      image,
      location,
      ssh_keys: sshKeys = [],
      user_data: userData,
      labels = {},
    } = input;
    if (typeof name !== 'string' || !hostname.test(name)) return invalidInput('name');
    if (typeof type !== 'string' || !serverTypes.includes(type)) return invalidInput('server_type');
    if (typeof image !== 'string' || !systemImages.includes(image)) return invalidInput('image');
    if (typeof location !== 'string' || !locations.includes(location))
      return invalidInput('location');
    if (userData !== undefined && (typeof userData !== 'string' || userData.length > 32 * 1024)) {
      return invalidInput('user_data');
    }
    if (
      typeof labels !== 'object' ||
      labels === null ||
      !Object.values(labels).every((value) => typeof value === 'string' && labelValue.test(value))
    ) {
      return invalidInput('labels');
    }
    if (!Array.isArray(sshKeys)) return invalidInput('ssh_keys');
    const publicKeys: string[] = [];
    for (const ref of sshKeys) {
      const key = keys.find((k) => String(k.id) === String(ref) || k.name === ref);
      if (!key) return error(404, 'not_found', `SSH key '${String(ref)}' not found`);
      publicKeys.push(key.public_key);
    }
    if (fleet.list().some((m) => m.name === name)) {
      return error(409, 'uniqueness_error', 'server name is already used');
    }
    const machine = fleet.add(
      {
        id: String(nextId++),
        name,
        region: location,
        type,
        image,
        labels: labels as Record<string, string>,
        publicKeys,
        userData: userData as string | undefined,
      },
      faults.take('neverReady'),
    );
    const created = newAction(
      'create_server',
      Number(machine.id),
      () => machine.state === 'running',
    );
    if (faults.take('hangAfterCreate')) return hang;
    return {
      status: 201,
      body: {
        server: server(machine),
        action: action(created),
        next_actions: [],
        root_password: null,
      },
    };
  }

  const http = await startHttpStandin({
    faults,
    rateLimit: { limit, resetSeconds: options.retryAfterSeconds ?? 1 },
    rateLimited: () =>
      error(429, 'rate_limit_exceeded', `limit of ${limit} requests per hour reached`),
    serverError: () => error(500, 'server_error', 'Server error'),
    handle: route,
  });

  return {
    ...standinHandle(http, faults, fleet),
    sshKeys: () => [...keys],
  };
}

export type HetznerStandin = Awaited<ReturnType<typeof startHetznerStandin>>;
