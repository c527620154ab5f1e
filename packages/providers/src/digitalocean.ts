// DigitalOcean API v2: droplets carry the tags `flotilla`, `flotilla-cluster-<id>` and
// `flotilla-node-<id>`; lists are paginated through `links.pages.next`.
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
import type { DigitalOceanCredentials } from './credentials.ts';
import { ProviderError } from './errors.ts';
import {
  clusterMarker,
  digitalOceanTags,
  flotillaMarker,
  idsFromDigitalOceanTags,
  nodeMarker,
  serverName,
} from './naming.ts';
import { accountKey, unlimitedBudget } from './rate-budget.ts';
import { assertRegion } from './region.ts';
import { createRestClient } from './rest.ts';
import { md5Fingerprint } from './ssh-key.ts';
import { pollUntilRunning } from './wait.ts';

export const digitalOceanDefaultUrl = 'https://api.digitalocean.com';

interface Droplet {
  id: number;
  name: string;
  status: 'new' | 'active' | 'off' | 'archive';
  tags: string[];
  networks: { v4: { ip_address: string; type: 'public' | 'private' }[] };
}

interface Page {
  links?: { pages?: { next?: string } };
}

const statuses: Record<Droplet['status'], ServerStatus> = {
  new: 'pending',
  active: 'running',
  off: 'off',
  archive: 'gone',
};

function toServer(droplet: Droplet): Server {
  return {
    id: String(droplet.id),
    name: droplet.name,
    status: statuses[droplet.status] ?? 'pending',
    publicIpv4: droplet.networks.v4.find((network) => network.type === 'public')?.ip_address,
    ...idsFromDigitalOceanTags(droplet.tags),
  };
}

export function createDigitalOceanClient(
  credentials: DigitalOceanCredentials,
  options: CloudClientOptions = {},
): CloudClient {
  const provider = 'digitalocean';
  const retry = { ...defaultRetryPolicy, ...options.retry };
  const request = createRestClient({
    provider: 'DigitalOcean',
    baseUrl: options.baseUrl ?? digitalOceanDefaultUrl,
    token: credentials.token,
    fetch: options.fetch ?? fetch,
    retry,
    log: options.log,
    budget:
      options.rateBudgets?.account('digitalocean', accountKey(credentials.token)) ??
      unlimitedBudget,
    describeError: (body) => {
      const error = body as { id?: string; message?: string } | undefined;
      return { code: error?.id, message: error?.message };
    },
  });

  async function listDroplets(tag: string): Promise<Droplet[]> {
    const droplets: Droplet[] = [];
    let page = 1;
    for (;;) {
      const { body } = await request<Page & { droplets: Droplet[] }>({
        method: 'GET',
        path: '/v2/droplets',
        query: { tag_name: tag, per_page: 200, page },
      });
      droplets.push(...body.droplets);
      if (!body.links?.pages?.next) return droplets;
      page++;
    }
  }

  async function getServer(id: string): Promise<Server> {
    const { status, body } = await request<{ droplet: Droplet }>({
      method: 'GET',
      path: `/v2/droplets/${encodeURIComponent(id)}`,
      accept: [404],
    });
    return status === 404 ? goneServer(id) : toServer(body.droplet);
  }

  async function findServers(filter: { clusterId?: string; nodeId?: string } = {}) {
    // One tag per request: the most specific one the filter allows.
    const tag = filter.nodeId
      ? `${nodeMarker}-${filter.nodeId}`
      : filter.clusterId
        ? `${clusterMarker}-${filter.clusterId}`
        : flotillaMarker;
    const servers = (await listDroplets(tag)).map(toServer);
    return servers.filter(
      (server) =>
        (!filter.clusterId || server.clusterId === filter.clusterId) &&
        (!filter.nodeId || server.nodeId === filter.nodeId),
    );
  }

  async function deleteServer(id: string): Promise<void> {
    await request({
      method: 'DELETE',
      path: `/v2/droplets/${encodeURIComponent(id)}`,
      accept: [404],
    });
    options.log?.info({ provider, serverId: id }, 'deleted DigitalOcean droplet');
  }

  /**
   * The node's droplet. DigitalOcean has no idempotency token and allows duplicate names, so two
   * jobs racing for one node can both create one; whoever looks next keeps the oldest (lowest
   * id, the same choice for every racer) and deletes the others.
   */
  async function settle(nodeId: string): Promise<Server | undefined> {
    const [keep, ...extra] = (await findServers({ nodeId })).sort(
      (a, b) => Number(a.id) - Number(b.id),
    );
    for (const duplicate of extra) {
      options.log?.warn(
        { provider, nodeId, serverId: duplicate.id, kept: keep?.id },
        'deleting a second droplet created for the same node by a concurrent job',
      );
      await deleteServer(duplicate.id);
    }
    return keep;
  }

  return {
    provider,

    async verifyCredentials(): Promise<CredentialCheck> {
      try {
        const { body } = await request<{ account: { email?: string; status?: string } }>({
          method: 'GET',
          path: '/v2/account',
        });
        // An empty create is refused for missing scope (403) before it is refused as invalid
        // (422), so it tells a read-only token apart without creating anything.
        const probe = await request<{ id?: string; message?: string }>({
          method: 'POST',
          path: '/v2/droplets',
          body: {},
          accept: [400, 403, 422],
        });
        if (probe.status === 403) {
          return {
            ok: false,
            problem: 'read-only',
            message: `DigitalOcean token cannot create droplets (${probe.body?.message ?? 'forbidden'}): create a token with write scope (droplet:create, droplet:delete, ssh_key:create, tag:create)`,
          };
        }
        return {
          ok: true,
          message: `DigitalOcean token works (account ${body.account.email ?? 'unknown'}, ${body.account.status ?? 'active'})`,
        };
      } catch (error) {
        return describeCredentialError('DigitalOcean', error);
      }
    },

    async ensureSshKey(name, publicKey) {
      const fingerprint = md5Fingerprint(publicKey);
      const existing = await request({
        method: 'GET',
        path: `/v2/account/keys/${fingerprint}`,
        accept: [404],
      });
      if (existing.status !== 404) return fingerprint;
      const created = await request<{ message?: string }>({
        method: 'POST',
        path: '/v2/account/keys',
        body: { name, public_key: publicKey.trim() },
        // 422 "already in use": a concurrent job registered it first; the fingerprint is valid.
        accept: [422],
      });
      if (created.status === 422 && !/already in use/i.test(created.body?.message ?? '')) {
        throw new ProviderError({
          provider: 'DigitalOcean',
          status: 422,
          message: created.body?.message ?? 'DigitalOcean refused the SSH key',
          retryable: false,
        });
      }
      return fingerprint;
    },

    async createServer(input: CreateServerInput) {
      assertRegion('digitalocean', input.region);
      return createServerOnce({
        provider: 'DigitalOcean',
        log: options.log,
        retry,
        find: () => settle(input.nodeId),
        create: async () => {
          const { body } = await request<{ droplet: Droplet }>({
            method: 'POST',
            path: '/v2/droplets',
            body: {
              name: input.name ?? serverName(input.nodeId),
              region: input.region,
              size: machineType('digitalocean', input.plan).type,
              image: catalog.digitalocean.image,
              ssh_keys: [input.sshKeyRef],
              user_data: input.userData,
              tags: digitalOceanTags(input.clusterId, input.nodeId),
              monitoring: false,
              ipv6: false,
            },
          });
          return (await settle(input.nodeId)) ?? toServer(body.droplet);
        },
      });
    },

    getServer,

    waitForServer: (id, { timeoutMs }) =>
      pollUntilRunning('DigitalOcean', getServer, id, {
        timeoutMs,
        intervalMs: options.pollIntervalMs ?? 5_000,
      }),

    findServers,

    deleteServer,

    async removeClusterResources() {},
  };
}
