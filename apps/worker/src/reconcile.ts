// The cluster's status follows from its nodes. Called after every node change; the cluster row
// is locked first, so two jobs finishing at once judge the same, complete picture.
import type { ClusterStatus, Db } from '@flotilla/db';
import {
  clusterStatusFromNodes,
  IllegalTransitionError,
  transitionCluster,
} from '@flotilla/lifecycle';

/** How a cluster's `error` judged from its nodes begins (the health check may revive those). */
export const noManagerRunning = 'no manager is running';

export async function reconcileCluster(db: Db, clusterId: string): Promise<ClusterStatus | null> {
  return db.$transaction(async (tx) => {
    const [cluster] = await tx.$queryRaw<{ status: ClusterStatus }[]>`
      select status from "Cluster" where id = ${clusterId} for update`;
    if (!cluster || cluster.status === 'deleting' || cluster.status === 'updating') {
      return cluster?.status ?? null;
    }
    const nodes = await tx.node.findMany({
      where: { clusterId },
      select: { name: true, role: true, status: true, statusReason: true },
      orderBy: { ordinal: 'asc' },
    });
    // A first provisioning is judged once every node has settled; later, a node being added
    // does not count until it has joined.
    if (cluster.status === 'provisioning' && nodes.some((n) => n.status === 'provisioning')) {
      return cluster.status;
    }
    const settled = nodes.filter((n) => n.status !== 'provisioning');
    if (settled.length === 0) return cluster.status;
    const to = clusterStatusFromNodes(settled);
    const unwell = settled.filter((n) => n.status !== 'running' && n.status !== 'deleting');
    const describe = (n: (typeof settled)[number]) =>
      `${n.name} (${n.role}) ${n.status}${n.statusReason ? `: ${n.statusReason}` : ''}`;
    const reason =
      to === 'running'
        ? `all ${settled.filter((n) => n.status === 'running').length} nodes running`
        : to === 'degraded'
          ? `not every node is running: ${unwell.map(describe).join('; ')}`
          : `${noManagerRunning}: ${unwell
              .filter((n) => n.role === 'manager')
              .map(describe)
              .join('; ')}`;
    try {
      await transitionCluster(tx, clusterId, to, reason.slice(0, 1_000));
    } catch (error) {
      if (!(error instanceof IllegalTransitionError)) throw error;
    }
    return to;
  });
}
