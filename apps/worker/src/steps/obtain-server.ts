// server.obtain: where a node's server is. Provider `ssh` means the user's own server at the
// address they gave; cloud providers create (or find, by node id) a machine first.
import type { Cluster, Node } from '@flotilla/db';
import type { Engine } from '../engine.ts';
import { PermanentError } from '../errors.ts';
import { step } from './step.ts';

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

export function obtainServer(engine: Engine, cluster: Cluster, node: Node): Promise<ServerTarget> {
  return step(
    engine,
    { clusterId: cluster.id, nodeId: node.id },
    'server.obtain',
    async () => {
      if (cluster.provider !== 'ssh') {
        throw new PermanentError(
          `provider ${cluster.provider} cannot create servers in this version of the worker`,
        );
      }
      const target = serverTarget(node);
      if (!target) throw new PermanentError(`node ${node.name} has no address to reach it on`);
      return target;
    },
    (target) => `using ${target.username}@${target.host}:${target.port}`,
  );
}
