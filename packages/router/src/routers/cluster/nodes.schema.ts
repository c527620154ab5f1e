import { z } from 'zod';
import { clusterId, organizationId } from '../../schemas/common.ts';
import { restOutput } from '../../schemas/rest.ts';
import { node, nodeToRest, restNode } from './schema.ts';

export const clusterNodesInput = z.object({
  /** Without it: the nodes of every cluster the caller may see. */
  clusterId: clusterId.optional(),
  /** Without a cluster: only this organization's clusters. */
  organizationId: organizationId.optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  /** A cluster has at most 100 nodes: one page holds them all. */
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
/** A bare array; the total travels in `X-Total-Count`. */
export const clusterNodesOutput = z.array(node);

/** `GET /api/v1/nodes?cluster_id=…` with the page's field names. */
export const clusterNodesRestInput = z
  .object({
    cluster_id: clusterId.optional(),
    organization_id: organizationId.optional(),
    page: clusterNodesInput.shape.page,
    limit: clusterNodesInput.shape.limit,
  })
  .transform(({ cluster_id, organization_id, page, limit }) => ({
    clusterId: cluster_id,
    organizationId: organization_id,
    page,
    limit,
  }));

export const nodeListToRest = restOutput(
  z.array(restNode),
  (nodes: z.infer<typeof clusterNodesOutput>) => nodes.map(nodeToRest),
);
