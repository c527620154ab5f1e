import { z } from 'zod';
import { clusterId, listInput, organizationId } from '../../schemas/common.ts';
import { restOutput, restSort } from '../../schemas/rest.ts';
import { app, appStatusSchema, appToRestShape, projectId, restApp } from './schema.ts';

export const appSortFields = ['createdAt', 'name', 'status'] as const;
export const appAllInput = listInput(appSortFields, 'createdAt').extend({
  /** Default: the `X-Flotilla-Organization` header, else the caller's only organization. */
  organizationId: organizationId.optional(),
  projectId: projectId.optional(),
  clusterId: clusterId.optional(),
  status: appStatusSchema.optional(),
});
/** A bare array as the apps page shows it; the total travels in `X-Total-Count`. */
export const appAllOutput = z.array(app);

const restSortFields = {
  created_at: 'createdAt',
  name: 'name',
  status: 'status',
} as const satisfies Record<string, (typeof appSortFields)[number]>;

/** The organization, project and cluster filters of a REST list (apps, databases), by the page's names. */
export const restPlacementFilters = {
  organization_id: organizationId.optional(),
  project_id: projectId.optional(),
  cluster_id: clusterId.optional(),
};

/** The placement filters back in the procedure's names. */
export function fromRestPlacementFilters<
  T extends { organization_id?: string; project_id?: string; cluster_id?: string },
>({ organization_id, project_id, cluster_id, ...rest }: T) {
  return { ...rest, organizationId: organization_id, projectId: project_id, clusterId: cluster_id };
}

/** `GET /api/v1/apps`: the same filters and paging with the page's names. */
export const appAllRestInput = appAllInput
  .omit({ organizationId: true, projectId: true, clusterId: true, sort: true })
  .extend({ ...restPlacementFilters, sort: restSort(restSortFields, 'created_at') })
  .transform(fromRestPlacementFilters);

export const appListToRest = restOutput(z.array(restApp), (apps: z.infer<typeof appAllOutput>) =>
  apps.map(appToRestShape),
);
