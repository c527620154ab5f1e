import { z } from 'zod';
import { clusterId, listInput, organizationId } from '../../schemas/common.ts';
import { restOutput, restSort } from '../../schemas/rest.ts';
import { fromRestPlacementFilters, restPlacementFilters } from '../app/all.schema.ts';
import { projectId } from '../app/schema.ts';
import {
  database,
  databaseEngineSchema,
  databaseStatusSchema,
  databaseToRestShape,
  restDatabase,
} from './schema.ts';

export const databaseSortFields = ['createdAt', 'name', 'status'] as const;
export const databaseAllInput = listInput(databaseSortFields, 'createdAt').extend({
  /** Default: the `X-Flotilla-Organization` header, else the caller's only organization. */
  organizationId: organizationId.optional(),
  projectId: projectId.optional(),
  clusterId: clusterId.optional(),
  engine: databaseEngineSchema.optional(),
  status: databaseStatusSchema.optional(),
});
/** A bare array; the total travels in `X-Total-Count`. */
export const databaseAllOutput = z.array(database);

const restSortFields = {
  created_at: 'createdAt',
  name: 'name',
  status: 'status',
} as const satisfies Record<string, (typeof databaseSortFields)[number]>;

/** `GET /api/v1/managed-databases`: the same filters and paging with the page's names. */
export const databaseAllRestInput = databaseAllInput
  .omit({ organizationId: true, projectId: true, clusterId: true, sort: true })
  .extend({ ...restPlacementFilters, sort: restSort(restSortFields, 'created_at') })
  .transform(fromRestPlacementFilters);

export const databaseListToRest = restOutput(
  z.array(restDatabase),
  (databases: z.infer<typeof databaseAllOutput>) => databases.map(databaseToRestShape),
);
