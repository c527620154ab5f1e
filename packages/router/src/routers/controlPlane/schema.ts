// Shapes the controlPlane.* procedures share, with the cluster-admin page's field names.
import { z } from 'zod';
import { idSchema, isoDate } from '../../schemas/common.ts';

/** As FLOTILLA_NODE_NAME takes it (it names queues too: no `:`, no spaces). */
export const controlPlaneNodeName = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(63)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a node name (letters, digits, ., _ and -)');

/** What can be pinned to a worker node. */
export const assignableEntityType = z.enum(['cluster', 'app', 'database']);

/** strict: only that node runs the jobs (they wait for it); preferred: it, or any while it is offline. */
export const assignmentMode = z.enum(['strict', 'preferred']);

export const controlPlaneNode = z.object({
  name: z.string(),
  /** What the process runs: the API, or the background jobs. */
  role: z.enum(['api', 'worker']),
  url: z.string().nullable(),
  tags: z.array(z.string()),
  /** offline: three heartbeats missed, or stopped. */
  status: z.enum(['online', 'offline']),
  lastHeartbeatAt: isoDate,
  startedAt: isoDate,
  version: z.string(),
  hostname: z.string(),
  pid: z.number().int(),
});

export const assignment = z.object({
  entityType: assignableEntityType,
  entityId: z.string(),
  nodeName: z.string(),
  mode: assignmentMode,
  /** The user who set it last. */
  updatedBy: z.string().nullable(),
  updatedAt: isoDate,
});

export const assignmentRef = z.object({ entityType: assignableEntityType, entityId: idSchema });
