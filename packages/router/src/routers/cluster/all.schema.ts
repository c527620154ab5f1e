import { z } from 'zod';
import { listInput, organizationId } from '../../schemas/common.ts';
import { restOutput, restSort } from '../../schemas/rest.ts';
import {
  clusterStatusSchema,
  clusterSummary,
  clusterSummaryToRest,
  restCluster,
} from './schema.ts';

export const clusterSortFields = ['createdAt', 'name', 'status', 'provider', 'region'] as const;
export const clusterAllInput = listInput(clusterSortFields, 'createdAt').extend({
  organizationId,
  status: clusterStatusSchema.optional(),
});
/** A bare array as the contract shows; the total travels in `X-Total-Count`. */
export const clusterAllOutput = z.array(clusterSummary);

/** The REST pages' sort names → cluster.all's. */
export const restSortFields = {
  created_at: 'createdAt',
  name: 'name',
  status: 'status',
  provider: 'provider',
  region: 'region',
} as const satisfies Record<string, (typeof clusterSortFields)[number]>;

/**
 * `GET /api/v1/clusters?organization_id=…`: the same paging, filters and checks as
 * `cluster.all`, with snake_case names (`sort=created_at`).
 */
export const clusterAllRestInput = clusterAllInput
  .omit({ organizationId: true, sort: true })
  .extend({ organization_id: organizationId, sort: restSort(restSortFields, 'created_at') })
  .transform(({ organization_id, ...rest }) => ({ ...rest, organizationId: organization_id }));

/** The page's clusters in snake_case, as REST pages show them. */
export const clusterListToRest = restOutput(
  z.array(restCluster),
  (clusters: z.infer<typeof clusterAllOutput>) => clusters.map(clusterSummaryToRest),
);
