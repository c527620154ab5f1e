import { z } from 'zod';
import { organizationId } from '../../schemas/common.ts';
import { restOutput, restSort } from '../../schemas/rest.ts';
import { clusterAllInput, restSortFields } from '../cluster/all.schema.ts';
import { platformCluster, platformClusterToRest, restPlatformCluster } from './schema.ts';

/** cluster.all's paging, sorting and filters; the organization only narrows. */
export const platformClustersInput = clusterAllInput.extend({
  /** Without it: the clusters of all the caller's organizations, and those granted to them. */
  organizationId: organizationId.optional(),
});
/** A bare array; the total travels in `X-Total-Count`. */
export const platformClustersOutput = z.array(platformCluster);

/** `GET /api/v1/clusters` with the page's field names (`organization_id`, `sort=created_at`). */
export const platformClustersRestInput = platformClustersInput
  .omit({ organizationId: true, sort: true })
  .extend({
    organization_id: organizationId.optional(),
    sort: restSort(restSortFields, 'created_at'),
  })
  .transform(({ organization_id, ...rest }) => ({ ...rest, organizationId: organization_id }));

export const platformClustersToRest = restOutput(
  z.array(restPlatformCluster),
  (clusters: z.infer<typeof platformClustersOutput>) => clusters.map(platformClusterToRest),
);
