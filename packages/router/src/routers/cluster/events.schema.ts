import { z } from 'zod';
import { isoDate } from '../../schemas/common.ts';
import { clusterRef, clusterStatusSchema, nodeStatusSchema } from './schema.ts';

export const clusterEventsInput = clusterRef.extend({
  /**
   * Replay the log lines after this one first (the last id from `cluster.logs`, or the SSE
   * `Last-Event-ID`), so history and live stream join without a gap.
   */
  afterLogId: z
    .string()
    .regex(/^\d{1,18}$/, 'must be a log line id')
    .optional(),
});

export const clusterEvent = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('cluster'),
    clusterId: z.string(),
    from: clusterStatusSchema.nullable(),
    to: clusterStatusSchema,
    reason: z.string().nullable(),
    at: isoDate,
  }),
  z.object({
    kind: z.literal('node'),
    clusterId: z.string(),
    nodeId: z.string(),
    from: nodeStatusSchema.nullable(),
    to: nodeStatusSchema,
    reason: z.string().nullable(),
    at: isoDate,
  }),
  z.object({
    kind: z.literal('log'),
    clusterId: z.string(),
    id: z.string(),
    nodeId: z.string().nullable(),
    step: z.string(),
    level: z.enum(['debug', 'info', 'warn', 'error']),
    message: z.string(),
    /** The control-plane worker that ran the step. */
    workerNode: z.string().nullable(),
    at: isoDate,
  }),
]);
