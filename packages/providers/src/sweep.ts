import type { CloudClient, ProviderLog, Server } from './client.ts';

/**
 * Deletes every Flotilla machine of the account that `keep` does not vouch for (its node no
 * longer exists, or failed), logging each one, and returns what it deleted. Machines whose tags
 * name no node are left alone: Flotilla did not make them the way it makes machines.
 */
export async function sweepOrphans(
  client: CloudClient,
  options: {
    keep: (server: Server & { nodeId: string }) => boolean | Promise<boolean>;
    log?: ProviderLog;
  },
): Promise<Server[]> {
  const deleted: Server[] = [];
  for (const server of await client.findServers()) {
    const { nodeId } = server;
    if (!nodeId || (await options.keep({ ...server, nodeId }))) continue;
    options.log?.warn(
      {
        provider: client.provider,
        serverId: server.id,
        name: server.name,
        clusterId: server.clusterId,
        nodeId,
      },
      'deleting orphaned machine',
    );
    await client.deleteServer(server.id);
    deleted.push(server);
  }
  return deleted;
}
