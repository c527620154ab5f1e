// Servers: create (validated like Hetzner, answering with a create action), list by
// label_selector or name, get, and delete (answering with a delete action).
import { hang, jsonBody, type StandinRequest, type StandinResponse } from '../http.ts';
import { matchesLabelSelector } from '../label-selector.ts';
import type { StandinMachine } from '../machines.ts';
import { actionView, newAction } from './actions.ts';
import { error, type HetznerState, invalidInput, page, type Route } from './state.ts';

// What a project can order, as /v1/server_types, /v1/locations and /v1/images list them (a subset).
const serverTypes = ['cx22', 'cx32', 'cpx11', 'cpx21', 'cpx31', 'cpx41', 'cpx51', 'cax11', 'ccx13'];
const locations = ['fsn1', 'nbg1', 'hel1', 'ash', 'hil', 'sin'];
const systemImages = ['ubuntu-24.04', 'ubuntu-22.04', 'debian-12', 'rocky-9'];

const hostname = /^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,61}[a-zA-Z0-9])?$/;
const labelValue = /^([a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?)?$/;

function serverView(machine: StandinMachine) {
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

export function serverRoutes(state: HetznerState): Route {
  const { fleet, faults } = state;

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
      const key = state.keys.find((k) => String(k.id) === String(ref) || k.name === ref);
      if (!key) return error(404, 'not_found', `SSH key '${String(ref)}' not found`);
      publicKeys.push(key.public_key);
    }
    if (fleet.list().some((m) => m.name === name)) {
      return error(409, 'uniqueness_error', 'server name is already used');
    }
    const machine = fleet.add(
      {
        id: String(state.nextId()),
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
      state,
      'create_server',
      Number(machine.id),
      () => machine.state === 'running',
    );
    if (faults.take('hangAfterCreate')) return hang;
    return {
      status: 201,
      body: {
        server: serverView(machine),
        action: actionView(created),
        next_actions: [],
        root_password: null,
      },
    };
  }

  return async (request) => {
    const { method, path, query } = request;
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
        return page(state, request, machines.map(serverView), 'servers');
      }
      if (method === 'POST') return createServer(request);
      return undefined;
    }

    const match = /^\/v1\/servers\/(\d+)$/.exec(path);
    if (!match) return undefined;
    const machine = fleet.get(match[1]!);
    if (!machine) return error(404, 'not_found', `server with ID '${match[1]}' not found`);
    if (method === 'GET') return { status: 200, body: { server: serverView(machine) } };
    if (method === 'DELETE') {
      const started = Date.now();
      const deleted = newAction(
        state,
        'delete_server',
        Number(machine.id),
        () => Date.now() - started >= state.actionDelayMs,
      );
      await fleet.remove(machine.id);
      return { status: 200, body: { action: actionView(deleted) } };
    }
    return undefined;
  };
}
