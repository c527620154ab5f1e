// Where a new stack goes: its organization, project and cluster (each named, or the defaults the
// apps use), its name on that cluster, all checked before anything is written.
import type { Prisma } from '@flotilla/db';
import { requireCluster } from '../../access.ts';
import { conflict, fieldError } from '../../errors.ts';
import type { AuthedContext } from '../../trpc.ts';
import { clusterOf } from '../app/placement.ts';
import { stackClusterNameOf } from './schema.ts';

type Tx = Prisma.TransactionClient;

export interface StackTarget {
  organizationId: string;
  cluster: { id: string; name: string; orchestrator: 'kubernetes' | 'swarm' };
  stackName: string;
}

/** The cluster the stack goes to (manage permission needed) and its name there. */
export async function stackTarget(
  ctx: AuthedContext,
  input: { organizationId?: string; clusterId?: string; name: string; stackName?: string },
): Promise<StackTarget> {
  const clusterId = await clusterOf(ctx, input.organizationId, input.clusterId);
  const { cluster } = await requireCluster(ctx, clusterId, 'manage');
  if (input.organizationId && input.organizationId !== cluster.organizationId) {
    throw fieldError('clusterId', 'is a cluster of another organization');
  }
  const stackName = input.stackName ?? stackClusterNameOf(input.name);
  if (!stackName) {
    throw fieldError('stackName', 'is required: the name has no letters or digits to make one');
  }
  return { organizationId: cluster.organizationId, cluster, stackName };
}

/** Refuses a name taken in the project or on the cluster, and a cluster on its way out. */
export async function refuseTaken(
  tx: Tx,
  projectId: string,
  target: StackTarget,
  name: string,
): Promise<void> {
  const [cluster] = await tx.$queryRaw<{ status: string }[]>`
    select status::text from "Cluster" where id = ${target.cluster.id} for share`;
  if (!cluster) throw conflict('The cluster was removed meanwhile');
  if (cluster.status === 'deleting') throw conflict('The cluster is being deleted');
  const named = await tx.stack.findFirst({ where: { projectId, name }, select: { id: true } });
  if (named) throw conflict(`A stack named "${name}" exists in this project`);
  const onCluster = await tx.stack.findFirst({
    where: { clusterId: target.cluster.id, stackName: target.stackName },
    select: { id: true },
  });
  if (onCluster) {
    throw conflict(
      `A stack "${target.stackName}" runs on cluster "${target.cluster.name}" already: give another stackName`,
    );
  }
}
