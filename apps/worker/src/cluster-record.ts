// Loading a cluster the way every job needs it: its SSH key and nodes in ordinal order.
import type { Cluster, Node } from '@flotilla/db';
import type { Engine } from './engine.ts';

export type ClusterRecord = Cluster & {
  sshKey: { id: string; publicKey: string; privateKeyEncrypted: string } | null;
  nodes: Node[];
};

export function loadCluster(
  engine: Pick<Engine, 'db'>,
  clusterId: string,
): Promise<ClusterRecord | null> {
  return engine.db.cluster.findUnique({
    where: { id: clusterId },
    include: {
      sshKey: { select: { id: true, publicKey: true, privateKeyEncrypted: true } },
      nodes: { orderBy: { ordinal: 'asc' } },
    },
  });
}

/** The manager that forms the control plane: the lowest-ordinal manager not being removed. */
export function firstManager(nodes: readonly Node[]): Node | undefined {
  return nodes.find((n) => n.role === 'manager' && n.status !== 'deleting');
}
