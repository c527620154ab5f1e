// A cluster row → the platform page's cluster, with its running tasks from the counter.
import type { Cluster } from '@flotilla/db';
import type { PlatformCluster } from './schema.ts';

type Row = Pick<
  Cluster,
  | 'id'
  | 'organizationId'
  | 'name'
  | 'provider'
  | 'region'
  | 'orchestrator'
  | 'status'
  | 'statusReason'
  | 'adopted'
  | 'createdAt'
  | 'updatedAt'
>;

export function platformClusterOut(
  row: Row,
  nodeCount: number,
  runningTasks: number | null,
): PlatformCluster {
  return {
    id: row.id,
    organizationId: row.organizationId,
    name: row.name,
    // Adopted clusters run on servers their owners made, wherever those are.
    type: row.provider !== 'ssh' && !row.adopted ? 'managed' : 'self_managed',
    provider: row.provider,
    region: row.region,
    orchestrator: row.orchestrator,
    status: row.status,
    statusReason: row.statusReason,
    adopted: row.adopted,
    nodeCount,
    runningTasks,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
