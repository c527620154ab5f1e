import { z } from 'zod';
import { isoDate } from '../../schemas/common.ts';
import { stackRef, stackRun, stackRunId } from './schema.ts';

export const stackRunLogLine = z.object({
  id: z.string(),
  service: z.string().nullable(),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string(),
  at: isoDate,
});

export const stackRunInput = stackRef.extend({
  runId: stackRunId,
  /** Log lines after this one (a line's id), to page through a long log. */
  afterLogId: z
    .string()
    .regex(/^\d{1,18}$/, 'must be a log line id')
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});
export const stackRunOutput = stackRun.extend({ log: z.array(stackRunLogLine) });
