// Hetzner Cloud API v1: servers carry the labels `flotilla=true`, `flotilla-cluster=<id>` and
// `flotilla-node=<id>` and are found with `label_selector`; lists are paginated through
// `meta.pagination.next_page`; deletions return an action that is polled until it finishes.
import { catalog, machineType } from './catalog.ts';
import type {
  CloudClient,
  CloudClientOptions,
  CreateServerInput,
  CredentialCheck,
  Server,
  ServerStatus,
} from './client.ts';
import { defaultRetryPolicy, goneServer } from './client.ts';
import { createServerOnce } from './create.ts';
import { describeCredentialError } from './credential-check.ts';
import type { HetznerCredentials } from './credentials.ts';
import { ProviderError } from './errors.ts';
import {
  clusterMarker,
  flotillaMarker,
  idsFromLabels,
  machineLabels,
  nodeMarker,
  serverName,
} from './naming.ts';
import { accountKey, unlimitedBudget } from './rate-budget.ts';
import { assertRegion } from './region.ts';
import { createRestClient } from './rest.ts';
import { md5Fingerprint } from './ssh-key.ts';
import { pollUntilRunning } from './wait.ts';

export const hetznerDefaultUrl = 'https://api.hetzner.cloud';

interface HetznerServer {
  id: number;
  name: string;
  status: string;
  labels: Record<string, string>;
  public_net: { ipv4: { ip: string } | null };
}

interface Action {
  id: number;
  command: string;
  status: 'running' | 'success' | 'error';
  error: { code: string; message: string } | null;
}

interface Paginated {
  meta?: { pagination?: { next_page: number | null } };
}

const statuses: Record<string, ServerStatus> = {
  running: 'running',
  off: 'off',
  deleting: 'gone',
};

function toServer(server: HetznerServer): Server {
  return {
    id: String(server.id),
    name: server.name,
    status: statuses[server.status] ?? 'pending',
    publicIpv4: server.public_net.ipv4?.ip,
    ...idsFromLabels(server.labels),
  };
}

const label = 'Hetzner Cloud';

export function createHetznerClient(
  credentials: HetznerCredentials,
  options: CloudClientOptions = {},
): CloudClient {
  const retry = { ...defaultRetryPolicy, ...options.retry };
  const pollIntervalMs = options.pollIntervalMs ?? 2_000;
  const request = createRestClient({
    provider: label,
    baseUrl: options.baseUrl ?? hetznerDefaultUrl,
    token: credentials.token,
    fetch: options.fetch ?? fetch,
    retry,
    log: options.log,
    budget:
      options.rateBudgets?.account('hetzner', accountKey(credentials.token)) ?? unlimitedBudget,
    describeError: (body) => {
      const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
      return { code: error?.code, message: error?.message };
    },
  });

  async function listAll<T>(path: string, key: string, query: Record<string, string>) {
    const items: T[] = [];
    for (let page: number | null = 1; page !== null; ) {
      const { body }: { body: Paginated & Record<string, T[]> } = await request({
        method: 'GET',
        path,
        query: { ...query, page, per_page: 50 },
      });
      items.push(...(body[key] ?? []));
      page = body.meta?.pagination?.next_page ?? null;
    }
    return items;
  }

  async function getServer(id: string): Promise<Server> {
    const { status, body } = await request<{ server: HetznerServer }>({
      method: 'GET',
      path: `/v1/servers/${encodeURIComponent(id)}`,
      accept: [404],
    });
    return status === 404 ? goneServer(id) : toServer(body.server);
  }

  async function findServers(filter: { clusterId?: string; nodeId?: string } = {}) {
    const selector = [
      flotillaMarker,
      ...(filter.clusterId ? [`${clusterMarker}==${filter.clusterId}`] : []),
      ...(filter.nodeId ? [`${nodeMarker}==${filter.nodeId}`] : []),
    ].join(',');
    const servers = await listAll<HetznerServer>('/v1/servers', 'servers', {
      label_selector: selector,
    });
    return servers.map(toServer).filter((server) => server.status !== 'gone');
  }

  async function waitForAction(action: Action, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let current = action;
    while (current.status === 'running') {
      if (Date.now() > deadline) {
        throw new ProviderError({
          provider: label,
          code: 'action_timeout',
          message: `Hetzner action ${current.command} (${current.id}) still running after ${timeoutMs} ms`,
          retryable: true,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
      current = (
        await request<{ action: Action }>({ method: 'GET', path: `/v1/actions/${current.id}` })
      ).body.action;
    }
    if (current.status === 'error') {
      throw new ProviderError({
        provider: label,
        code: current.error?.code,
        message: `Hetzner action ${current.command} failed: ${current.error?.message ?? 'unknown error'}`,
        retryable: false,
      });
    }
  }

  return {
    provider: 'hetzner',

    async verifyCredentials(): Promise<CredentialCheck> {
      try {
        await request({ method: 'GET', path: '/v1/servers', query: { per_page: 1 } });
        // An empty create is refused for a read-only token (403) before it is refused as
        // invalid input (400), so it tells the two apart without creating anything.
        const probe = await request<{ error?: { message?: string } }>({
          method: 'POST',
          path: '/v1/ssh_keys',
          body: {},
          accept: [400, 403, 422],
        });
        if (probe.status === 403) {
          return {
            ok: false,
            problem: 'read-only',
            message: `Hetzner Cloud token is read-only (${probe.body?.error?.message ?? 'forbidden'}): create a Read & Write token in the project's Security settings`,
          };
        }
        return { ok: true, message: 'Hetzner Cloud token works and can create servers' };
      } catch (error) {
        return describeCredentialError(label, error);
      }
    },

    async ensureSshKey(name, publicKey) {
      const fingerprint = md5Fingerprint(publicKey);
      const find = async () =>
        (await listAll<{ id: number }>('/v1/ssh_keys', 'ssh_keys', { fingerprint }))[0];
      const existing = await find();
      if (existing) return String(existing.id);
      const created = await request<{ ssh_key: { id: number }; error?: { message?: string } }>({
        method: 'POST',
        path: '/v1/ssh_keys',
        body: { name, public_key: publicKey.trim(), labels: { [flotillaMarker]: 'true' } },
        accept: [409],
      });
      if (created.status !== 409) return String(created.body.ssh_key.id);
      // A concurrent job registered the same key first; anything else is a real name clash.
      const raced = await find();
      if (raced) return String(raced.id);
      throw new ProviderError({
        provider: label,
        status: 409,
        code: 'uniqueness_error',
        message: created.body.error?.message ?? `an SSH key named ${name} already exists`,
        retryable: false,
      });
    },

    async createServer(input: CreateServerInput) {
      assertRegion('hetzner', input.region);
      return createServerOnce({
        provider: label,
        log: options.log,
        retry,
        find: async () => (await findServers({ nodeId: input.nodeId }))[0],
        // The name is taken: an earlier attempt whose answer was lost did create the server.
        isConflict: (error) => error.providerCode === 'uniqueness_error',
        create: async () => {
          const { body } = await request<{ server: HetznerServer }>({
            method: 'POST',
            path: '/v1/servers',
            body: {
              name: input.name ?? serverName(input.nodeId),
              server_type: machineType('hetzner', input.plan).type,
              image: catalog.hetzner.image,
              location: input.region,
              ssh_keys: [input.sshKeyRef],
              user_data: input.userData,
              labels: machineLabels(input.clusterId, input.nodeId),
              start_after_create: true,
            },
          });
          return toServer(body.server);
        },
      });
    },

    getServer,

    waitForServer: (id, { timeoutMs }) =>
      pollUntilRunning(label, getServer, id, { timeoutMs, intervalMs: pollIntervalMs }),

    findServers,

    async deleteServer(id) {
      const { status, body } = await request<{ action: Action }>({
        method: 'DELETE',
        path: `/v1/servers/${encodeURIComponent(id)}`,
        accept: [404],
      });
      if (status === 404) return;
      await waitForAction(body.action, 5 * 60_000);
      options.log?.info({ provider: 'hetzner', serverId: id }, 'deleted Hetzner Cloud server');
    },

    async removeClusterResources() {},
  };
}
