// server.obtain: where a node's server is. Provider `ssh` means the user's own server at the
// address they gave; cloud providers create (or find, by node id) a machine first, record its
// id as soon as the provider gives one, and wait until it runs with a public address.
import type { Node } from '@flotilla/db';
import { obtainServer as obtainCloudServer } from '@flotilla/providers';
import type { ClusterRecord } from '../cluster-record.ts';
import type { Engine } from '../engine.ts';
import { PermanentError } from '../errors.ts';
import { step } from '../step.ts';
import { cloudClientFor, isCloud } from './cloud.ts';

export interface ServerTarget {
  host: string;
  port: number;
  username: string;
  /** The address other nodes reach this one on (private network when there is one). */
  advertiseAddress: string;
}

export function serverTarget(node: Node): ServerTarget | undefined {
  if (!node.address) return undefined;
  return {
    host: node.address,
    port: node.sshPort,
    username: node.sshUser,
    advertiseAddress: node.privateAddress ?? node.address,
  };
}

// Ubuntu images on AWS refuse root logins by default; Flotilla logs in as root everywhere, with
// the cluster's key only.
const cloudInit = '#cloud-config\ndisable_root: false\n';

export function obtainServer(
  engine: Engine,
  cluster: ClusterRecord,
  node: Node,
): Promise<ServerTarget> {
  return step(
    engine,
    { clusterId: cluster.id, nodeId: node.id },
    'server.obtain',
    async () => {
      if (!isCloud(cluster.provider)) {
        const target = serverTarget(node);
        if (!target) throw new PermanentError(`node ${node.name} has no address to reach it on`);
        return target;
      }
      if (!node.plan) throw new PermanentError(`node ${node.name} has no plan`);
      if (!cluster.sshKey) throw new PermanentError(`cluster ${cluster.name} has no SSH key`);
      const client = await cloudClientFor(engine, cluster);
      const server = await obtainCloudServer(
        client,
        {
          nodeId: node.id,
          name: node.name,
          clusterId: cluster.id,
          region: cluster.region,
          plan: node.plan,
          sshKey: { name: `flotilla-${cluster.sshKey.id}`, publicKey: cluster.sshKey.publicKey },
          userData: cloudInit,
        },
        {
          timeoutMs: engine.settings.serverReadyTimeoutMs,
          onCreated: async (created) => {
            await engine.db.node.updateMany({
              where: { id: node.id },
              data: { providerServerId: created.id },
            });
          },
        },
      );
      if (!server.publicIpv4) {
        throw new Error(`${cluster.provider} reports no public address for ${node.name} yet`);
      }
      const updated = await engine.db.node.update({
        where: { id: node.id },
        data: {
          providerServerId: server.id,
          address: server.publicIpv4,
          sshPort: 22,
          sshUser: 'root',
        },
      });
      Object.assign(node, updated);
      return serverTarget(updated) as ServerTarget;
    },
    (target) =>
      isCloud(cluster.provider)
        ? `${cluster.provider} machine ${node.providerServerId} running at ${target.host}`
        : `using ${target.username}@${target.host}:${target.port}`,
  );
}
