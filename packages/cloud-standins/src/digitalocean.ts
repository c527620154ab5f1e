// DigitalOcean API v2, the subset Flotilla uses: account, account/keys, droplets by tag.
// Shapes, status codes and headers follow https://docs.digitalocean.com/reference/api/.
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
import {
  createMemoryBackend,
  type MachineBackend,
  MachineFleet,
  type StandinMachine,
  standinHandle,
} from './machines.ts';

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
  /** Seconds a 429 asks the client to wait. */
  retryAfterSeconds?: number;
}

interface SshKey {
  id: number;
  fingerprint: string;
  public_key: string;
  name: string;
}

// What the account can order, as DigitalOcean's /v2/regions and /v2/sizes list them (a subset).
const regions = [
  'nyc1',
  'nyc3',
  'sfo2',
  'sfo3',
  'tor1',
  'ams3',
  'lon1',
  'fra1',
  'blr1',
  'sgp1',
  'syd1',
  'atl1',
];
const sizes = [
  's-1vcpu-512mb-10gb',
  's-1vcpu-1gb',
  's-1vcpu-2gb',
  's-2vcpu-2gb',
  's-2vcpu-4gb',
  's-4vcpu-8gb',
  's-8vcpu-16gb',
  's-16vcpu-32gb',
  'c-2',
  'g-2vcpu-8gb',
];
const images = ['ubuntu-24-04-x64', 'ubuntu-22-04-x64', 'debian-12-x64', 'rockylinux-9-x64'];

const hostname = /^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,251}[a-zA-Z0-9])?$/;
const tagName = /^[a-zA-Z0-9_:-]{1,255}$/;

const error = (status: number, id: string, message: string): StandinResponse => ({
  status,
  body: { id, message },
});
const notFound = () =>
  error(404, 'not_found', 'The resource you were accessing could not be found.');

export async function startDigitalOceanStandin(options: DigitalOceanStandinOptions = {}) {
  const faults = new Faults();
  const fleet = new MachineFleet(
    options.backend ?? createMemoryBackend(),
    options.bootDelayMs ?? 20,
  );
  const writeTokens = new Set(options.tokens ?? [digitalOceanTestToken]);
  const readTokens = new Set(options.readOnlyTokens ?? [digitalOceanReadOnlyToken]);
  const keys: SshKey[] = [];
  let nextId = 100_000_001;
  const retryAfter = options.retryAfterSeconds ?? 1;

  function droplet(machine: StandinMachine) {
    return {
      id: Number(machine.id),
      name: machine.name,
      memory: 1024,
      vcpus: 1,
      disk: 25,
      locked: false,
      status: machine.state === 'running' ? 'active' : machine.state === 'off' ? 'off' : 'new',
      created_at: machine.createdAt.toISOString(),
      features: [],
      image: { slug: machine.image, distribution: 'Ubuntu' },
      size_slug: machine.type,
      region: { slug: machine.region, name: machine.region, available: true },
      networks: {
        v4: machine.address
          ? [{ ip_address: machine.address, netmask: '255.255.240.0', gateway: '', type: 'public' }]
          : [],
        v6: [],
      },
      tags: Object.keys(machine.labels),
      volume_ids: [],
      vpc_uuid: '',
    };
  }

  function page<T>(request: StandinRequest, items: T[], key: string) {
    const slice = paginate(items, request.query, {
      perPage: 20,
      maxPerPage: options.maxPerPage ?? 200,
    });
    const link = (n: number) => {
      const url = new URL(`${request.origin}${request.path}`);
      for (const [k, v] of request.query) url.searchParams.set(k, v);
      url.searchParams.set('page', String(n));
      url.searchParams.set('per_page', String(slice.perPage));
      return url.toString();
    };
    const pages: Record<string, string> = {};
    if (slice.page > 1) Object.assign(pages, { first: link(1), prev: link(slice.page - 1) });
    if (slice.page < slice.lastPage)
      Object.assign(pages, { next: link(slice.page + 1), last: link(slice.lastPage) });
    return {
      status: 200,
      body: {
        [key]: slice.items,
        links: Object.keys(pages).length ? { pages } : {},
        meta: { total: slice.total },
      },
    };
  }

  async function route(request: StandinRequest): Promise<StandinResponse | typeof hang> {
    const token = bearerToken(request);
    if (!token || !(writeTokens.has(token) || readTokens.has(token))) {
      return error(401, 'unauthorized', 'Unable to authenticate you');
    }
    if (request.method !== 'GET' && !writeTokens.has(token)) {
      return error(403, 'Forbidden', 'You are not authorized to perform this operation');
    }
    const { method, path } = request;

    if (method === 'GET' && path === '/v2/account') {
      return {
        status: 200,
        body: {
          account: {
            droplet_limit: 25,
            floating_ip_limit: 3,
            email: 'standin@example.com',
            uuid: 'standin',
            email_verified: true,
            status: 'active',
            status_message: '',
          },
        },
      };
    }

    if (path === '/v2/account/keys') {
      if (method === 'GET') return page(request, keys, 'ssh_keys');
      if (method === 'POST') {
        const input = jsonBody(request) as { name?: unknown; public_key?: unknown } | undefined;
        if (typeof input?.name !== 'string' || !input.name)
          return error(422, 'unprocessable_entity', 'Name is required');
        const fingerprint =
          typeof input.public_key === 'string' ? fingerprintOf(input.public_key) : undefined;
        if (!fingerprint)
          return error(422, 'unprocessable_entity', 'Key invalid, type not supported');
        if (keys.some((key) => key.fingerprint === fingerprint)) {
          return error(422, 'unprocessable_entity', 'SSH Key is already in use on your account');
        }
        const key = {
          id: nextId++,
          fingerprint,
          public_key: (input.public_key as string).trim(),
          name: input.name,
        };
        keys.push(key);
        return { status: 201, body: { ssh_key: key } };
      }
    }
    const keyMatch = /^\/v2\/account\/keys\/([^/]+)$/.exec(path);
    if (keyMatch && method === 'GET') {
      const ref = decodeURIComponent(keyMatch[1]!);
      const key = keys.find((k) => String(k.id) === ref || k.fingerprint === ref);
      return key ? { status: 200, body: { ssh_key: key } } : notFound();
    }

    if (path === '/v2/droplets') {
      if (method === 'GET') {
        const tag = request.query.get('tag_name');
        const machines = fleet.list().filter((m) => !tag || tag in m.labels);
        return page(request, machines.map(droplet), 'droplets');
      }
      if (method === 'POST') return createDroplet(request);
    }
    const dropletMatch = /^\/v2\/droplets\/([^/]+)$/.exec(path);
    if (dropletMatch) {
      const id = decodeURIComponent(dropletMatch[1]!);
      if (method === 'GET') {
        const machine = fleet.get(id);
        return machine ? { status: 200, body: { droplet: droplet(machine) } } : notFound();
      }
      if (method === 'DELETE') return (await fleet.remove(id)) ? { status: 204 } : notFound();
    }
    return notFound();
  }

  function createDroplet(request: StandinRequest): StandinResponse | typeof hang {
    const input = jsonBody(request) as Record<string, unknown> | undefined;
    const invalid = (message: string) => error(422, 'unprocessable_entity', message);
    if (!input || typeof input !== 'object') return invalid('Request body must be JSON');
    const {
      name,
      region,
      size,
      image,
      ssh_keys: sshKeys = [],
      user_data: userData,
      tags = [],
    } = input;
    if (typeof name !== 'string' || !hostname.test(name))
      return invalid('Name Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)');
    if (typeof region !== 'string' || !regions.includes(region))
      return invalid('Region is not available');
    if (typeof size !== 'string' || !sizes.includes(size))
      return invalid('Size is not available in this region.');
    if (typeof image !== 'string' || !images.includes(image))
      return invalid('You specified an invalid image for Droplet creation.');
    if (userData !== undefined && (typeof userData !== 'string' || userData.length > 64 * 1024)) {
      return invalid('User data must be a string of at most 64 KiB');
    }
    if (
      !Array.isArray(tags) ||
      !tags.every((tag) => typeof tag === 'string' && tagName.test(tag))
    ) {
      return invalid('Tags may contain letters, numbers, colons, dashes, and underscores');
    }
    if (!Array.isArray(sshKeys)) return invalid('ssh_keys must be an array');
    const publicKeys: string[] = [];
    for (const ref of sshKeys) {
      const key = keys.find((k) => String(k.id) === String(ref) || k.fingerprint === ref);
      if (!key) return invalid('You specified an invalid ssh key for Droplet creation.');
      publicKeys.push(key.public_key);
    }
    const machine = fleet.add(
      {
        id: String(nextId++),
        name,
        region,
        type: size,
        image,
        labels: Object.fromEntries((tags as string[]).map((tag) => [tag, ''])),
        publicKeys,
        userData: userData as string | undefined,
      },
      faults.take('neverReady'),
    );
    if (faults.take('hangAfterCreate')) return hang;
    return {
      status: 202,
      body: {
        droplet: droplet(machine),
        links: {
          actions: [
            { id: nextId++, rel: 'create', href: `${request.origin}/v2/actions/${nextId - 1}` },
          ],
        },
      },
    };
  }

  const http = await startHttpStandin({
    faults,
    rateLimit: { limit: 5000, resetSeconds: retryAfter },
    // DigitalOcean adds Retry-After to its 429s (since 2023).
    rateLimited: () => ({
      status: 429,
      headers: { 'retry-after': String(retryAfter) },
      body: { id: 'too_many_requests', message: 'API Rate limit exceeded.' },
    }),
    serverError: () => error(500, 'server_error', 'Server was unable to give you a response.'),
    handle: route,
  });

  return {
    ...standinHandle(http, faults, fleet),
    sshKeys: () => [...keys],
  };
}

export type DigitalOceanStandin = Awaited<ReturnType<typeof startDigitalOceanStandin>>;
