// The cluster's cloud account: a provider client built from the cluster's sealed credentials,
// and machine teardown. Machines are found by their node tag, so a machine whose id was never
// recorded (a worker killed right after the create) is still found and deleted.
import type { Cluster, Node } from '@flotilla/db';
import {
  type CloudClient,
  type CloudProvider,
  cloudProviders,
  createCloudClient,
  openProviderCredentials,
} from '@flotilla/providers';
import type { Engine } from '../engine.ts';
import { PermanentError } from '../errors.ts';
import { step } from '../step.ts';

export function isCloud(provider: Cluster['provider']): provider is CloudProvider {
  return (cloudProviders as readonly string[]).includes(provider);
}

export async function cloudClientFor(
  engine: Engine,
  cluster: Pick<Cluster, 'id' | 'provider' | 'providerCredentialId'>,
): Promise<CloudClient> {
  const { provider } = cluster;
  if (!isCloud(provider)) throw new Error(`provider ${provider} has no cloud API`);
  if (!cluster.providerCredentialId) {
    throw new PermanentError(
      `the cluster has no ${provider} credentials; add credentials and create the cluster with them`,
    );
  }
  const row = await engine.db.providerCredential.findUnique({
    where: { id: cluster.providerCredentialId },
  });
  if (!row) throw new PermanentError(`the cluster's ${provider} credentials were removed`);
  let opened: ReturnType<typeof openProviderCredentials>;
  try {
    opened = openProviderCredentials(engine.sealer, row.id, provider, row.secretEncrypted);
  } catch {
    throw new PermanentError(
      `the cluster's ${provider} credentials cannot be opened (sealed under another master key?); set them again`,
    );
  }
  return clientFor(engine, opened);
}

export function clientFor(
  engine: Engine,
  opened: ReturnType<typeof openProviderCredentials>,
): CloudClient {
  const options = {
    baseUrl: engine.settings.providerUrls[opened.provider],
    log: engine.log,
    // Every request spends from the account's budget, shared by all workers and APIs.
    rateBudgets: engine.rateBudgets,
    ...(engine.settings.providerPollIntervalMs
      ? { pollIntervalMs: engine.settings.providerPollIntervalMs }
      : {}),
  };
  switch (opened.provider) {
    case 'digitalocean':
      return createCloudClient('digitalocean', opened.credentials, options);
    case 'hetzner':
      return createCloudClient('hetzner', opened.credentials, options);
    case 'aws':
      return createCloudClient('aws', opened.credentials, options);
  }
}

/** Deletes the node's machine(s): the recorded one and any other carrying its node tag. */
export async function destroyServers(
  client: CloudClient,
  cluster: Pick<Cluster, 'id'>,
  node: Pick<Node, 'id' | 'providerServerId'>,
): Promise<number> {
  const ids = new Set<string>();
  if (node.providerServerId) ids.add(node.providerServerId);
  for (const server of await client.findServers({ clusterId: cluster.id, nodeId: node.id })) {
    if (server.status !== 'gone') ids.add(server.id);
  }
  for (const id of ids) await client.deleteServer(id);
  return ids.size;
}

/** The step `server.destroy`: the node's machine deleted at its provider. */
export async function destroyNodeServer(
  engine: Engine,
  cluster: Pick<Cluster, 'id' | 'provider' | 'providerCredentialId'>,
  node: Pick<Node, 'id' | 'name' | 'providerServerId'>,
): Promise<void> {
  const client = await cloudClientFor(engine, cluster);
  await step(
    engine,
    { clusterId: cluster.id, nodeId: node.id, teardown: true },
    'server.destroy',
    () => destroyServers(client, cluster, node),
    (n) =>
      n === 0
        ? `${node.name}: no machine to delete`
        : `${node.name}: deleted ${n} ${cluster.provider} machine(s)`,
  );
}
