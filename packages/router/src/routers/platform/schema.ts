// The shapes platform.* procedures share: a cluster as the platform page shows it (its type,
// node count and the tasks running on its servers). Only zod here: the dashboard imports it.
import { z } from 'zod';
import { isoDate } from '../../schemas/common.ts';
import {
  clusterStatusSchema,
  node,
  nodeToRest,
  orchestratorSchema,
  providerSchema,
  restNode,
} from '../cluster/schema.ts';

/** `managed`: machines Flotilla created at a cloud provider; `self_managed`: servers of one's own. */
export const clusterTypeSchema = z.enum(['managed', 'self_managed']);

export const platformCluster = z.object({
  id: z.string(),
  organizationId: z.string(),
  name: z.string(),
  type: clusterTypeSchema,
  provider: providerSchema,
  region: z.string(),
  orchestrator: orchestratorSchema,
  status: clusterStatusSchema,
  statusReason: z.string().nullable(),
  /** Adopted with cluster.import: Flotilla did not create its servers. */
  adopted: z.boolean(),
  nodeCount: z.number().int(),
  /**
   * Tasks running on its servers, counted through a manager (at most 15 s old); null when no
   * manager answered, or for Kubernetes (not read yet).
   */
  runningTasks: z.number().int().nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type PlatformCluster = z.infer<typeof platformCluster>;

export const platformClusterDetail = platformCluster.extend({ nodes: z.array(node) });

/** The platform page's cluster: its fields, with provider, region and orchestrator in `config`. */
export const restPlatformCluster = z.object({
  id: z.string(),
  organization_id: z.string(),
  name: z.string(),
  type: clusterTypeSchema,
  /** Flotilla keeps none; the page's field. */
  description: z.string().nullable(),
  config: z.object({
    provider: providerSchema,
    region: z.string(),
    orchestrator: orchestratorSchema,
    adopted: z.boolean(),
  }),
  status: clusterStatusSchema,
  status_reason: z.string().nullable(),
  node_count: z.number().int(),
  running_tasks: z.number().int().nullable(),
  created_at: isoDate,
  updated_at: isoDate,
});

export const restPlatformClusterDetail = restPlatformCluster.extend({ nodes: z.array(restNode) });

export function platformClusterToRest(c: PlatformCluster): z.infer<typeof restPlatformCluster> {
  return {
    id: c.id,
    organization_id: c.organizationId,
    name: c.name,
    type: c.type,
    description: null,
    config: {
      provider: c.provider,
      region: c.region,
      orchestrator: c.orchestrator,
      adopted: c.adopted,
    },
    status: c.status,
    status_reason: c.statusReason,
    node_count: c.nodeCount,
    running_tasks: c.runningTasks,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

export function platformClusterDetailToRest(
  c: z.infer<typeof platformClusterDetail>,
): z.infer<typeof restPlatformClusterDetail> {
  return { ...platformClusterToRest(c), nodes: c.nodes.map(nodeToRest) };
}
