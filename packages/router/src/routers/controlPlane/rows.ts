import type { ControlPlaneAssignment } from '@flotilla/db';
import type { z } from 'zod';
import type { assignment } from './schema.ts';

export function assignmentOut(row: ControlPlaneAssignment): z.infer<typeof assignment> {
  return {
    entityType: row.entityType,
    entityId: row.entityId,
    nodeName: row.nodeName,
    mode: row.mode,
    updatedBy: row.updatedById,
    updatedAt: row.updatedAt.toISOString(),
  };
}
