import { z } from 'zod';
import {
  clusterId,
  listInput,
  organizationId,
  idSchema as projectId,
} from '../../schemas/common.ts';
import { stack, stackStatusSchema } from './schema.ts';

export const stackSortFields = ['createdAt', 'updatedAt', 'name', 'status'] as const;
export const stackAllInput = listInput(stackSortFields, 'createdAt').extend({
  /** Default: the `X-Flotilla-Organization` header, else the caller's only organization. */
  organizationId: organizationId.optional(),
  projectId: projectId.optional(),
  clusterId: clusterId.optional(),
  status: stackStatusSchema.optional(),
});
/** A bare array; the total travels in `X-Total-Count`. */
export const stackAllOutput = z.array(stack);
