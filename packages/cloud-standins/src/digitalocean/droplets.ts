// Droplets: create (validated like DigitalOcean, 202), list by tag, get, delete.
import { hang, jsonBody, type StandinRequest, type StandinResponse } from '../http.ts';
import type { StandinMachine } from '../machines.ts';
import { type DigitalOceanState, error, notFound, page, type Route } from './state.ts';

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

function dropletView(machine: StandinMachine) {
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

export function dropletRoutes(state: DigitalOceanState): Route {
  const { fleet, faults } = state;

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
      const key = state.keys.find((k) => String(k.id) === String(ref) || k.fingerprint === ref);
      if (!key) return invalid('You specified an invalid ssh key for Droplet creation.');
      publicKeys.push(key.public_key);
    }
    const machine = fleet.add(
      {
        id: String(state.nextId()),
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
    const actionId = state.nextId();
    return {
      status: 202,
      body: {
        droplet: dropletView(machine),
        links: {
          actions: [
            { id: actionId, rel: 'create', href: `${request.origin}/v2/actions/${actionId}` },
          ],
        },
      },
    };
  }

  return async (request) => {
    const { method, path } = request;
    if (path === '/v2/droplets') {
      if (method === 'GET') {
        const tag = request.query.get('tag_name');
        const machines = fleet.list().filter((m) => !tag || tag in m.labels);
        return page(state, request, machines.map(dropletView), 'droplets');
      }
      if (method === 'POST') return createDroplet(request);
      return undefined;
    }
    const match = /^\/v2\/droplets\/([^/]+)$/.exec(path);
    if (!match) return undefined;
    const id = decodeURIComponent(match[1]!);
    if (method === 'GET') {
      const machine = fleet.get(id);
      return machine ? { status: 200, body: { droplet: dropletView(machine) } } : notFound();
    }
    if (method === 'DELETE') return (await fleet.remove(id)) ? { status: 204 } : notFound();
    return undefined;
  };
}
