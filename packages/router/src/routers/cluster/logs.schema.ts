import { z } from 'zod';
import { clusterId, isoDate, nodeId } from '../../schemas/common.ts';

export const logsInput = z.object({
  clusterId,
  nodeId: nodeId.optional(),
  /** Lines after this id (the `nextCursor` of the previous page). */
  cursor: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const logLine = z.object({
  id: z.string(),
  nodeId: z.string().nullable(),
  step: z.string(),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string(),
  /** The control-plane worker node that ran the step (null: written by the API). */
  workerNode: z.string().nullable(),
  createdAt: isoDate,
});
export const logsOutput = z.object({ items: z.array(logLine), nextCursor: z.string().nullable() });
