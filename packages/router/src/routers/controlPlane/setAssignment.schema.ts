import { z } from 'zod';
import { idSchema } from '../../schemas/common.ts';
import {
  assignableEntityType,
  assignment,
  assignmentMode,
  controlPlaneNodeName,
} from './schema.ts';

// The REST alias (`PUT /api/cluster/assignments/{entityType}/{entityId}` with `{ nodeName, mode }`)
// sends these very fields: it needs no mapping.
export const controlPlaneSetAssignmentInput = z.object({
  entityType: assignableEntityType,
  entityId: idSchema,
  /** A worker node of the registry (controlPlane.overview). */
  nodeName: controlPlaneNodeName,
  mode: assignmentMode.default('strict'),
});

export const controlPlaneSetAssignmentOutput = z.object({ assignment });
