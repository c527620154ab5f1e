import { z } from 'zod';
import { isoDate } from '../../schemas/common.ts';
import { stackRef, stackRunStatusSchema, stackServiceOutcome } from './schema.ts';

export const stackEventsInput = stackRef.extend({
  /**
   * Replay the run log lines after this one first (the last id seen, or the SSE
   * `Last-Event-ID`), so history and live stream join without a gap.
   */
  afterLogId: z
    .string()
    .regex(/^\d{1,18}$/, 'must be a log line id')
    .optional(),
});

export const stackEvent = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('stackRun'),
    stackId: z.string(),
    runId: z.string(),
    status: stackRunStatusSchema,
    reason: z.string().nullable(),
    services: z.array(stackServiceOutcome),
    at: isoDate,
  }),
  z.object({
    kind: z.literal('stackLog'),
    stackId: z.string(),
    runId: z.string(),
    id: z.string(),
    service: z.string().nullable(),
    level: z.enum(['debug', 'info', 'warn', 'error']),
    message: z.string(),
    at: isoDate,
  }),
]);
