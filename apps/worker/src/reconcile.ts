// The cluster's status follows from its nodes. Called after every node change; the cluster row
// is locked first, so two jobs finishing at once judge the same, complete picture.
import type { ClusterStatus, Db } from '@flotilla/db';
import {
  clusterStatusFromNodes,
  IllegalTransitionError,
  transitionCluster,
} from '@flotilla/lifecycle';

/**
 * How the reason of a cluster's `error` judged from its nodes begins; its kind is
 * `noManagerRunning`, which is what the health check looks for to revive it.
 */
const noManagerRunning = 'no manager is running';

export async function reconcileCluster(db: Db, clusterId: string): Promise<ClusterStatus | null> {
  // While a first provisioning still has nodes on their way there is nothing to judge, and
  // saying so takes no lock: fifty nodes finishing together used to queue on the cluster row
  // until some transactions outlived their timeout. The last node to settle still judges: its
  // own status was committed before this read, so it sees every other's.
  const unsettled = await db.cluster.findUnique({
    where: { id: clusterId },
    select: {
      status: true,
      nodes: { where: { status: 'provisioning' }, select: { id: true }, take: 1 },
    },
  });
  if (unsettled?.status === 'provisioning' && unsettled.nodes.length > 0) return 'provisioning';
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
      await transitionCluster(
        tx,
        clusterId,
        to,
        reason.slice(0, 1_000),
        to === 'error' ? 'noManagerRunning' : undefined,
      );
    } catch (error) {
      if (!(error instanceof IllegalTransitionError)) throw error;
    }
    return to;
  });
}
