import { z } from 'zod';
import { appLogLine } from './logs.schema.ts';
import { appRef, restAppPath } from './schema.ts';

export const appLogStreamInput = appRef.extend({
  /** Lines from the end of each task's log sent first (default none: only new lines). */
  tail: z.coerce.number().int().min(0).max(1_000).default(0),
});

export const appLogEvent = appLogLine.extend({ kind: z.literal('log') });

/** `GET /api/v1/apps/{id}/logs/stream`. */
export const appLogStreamRestInput = restAppPath
  .extend({ tail: appLogStreamInput.shape.tail })
  .transform(({ id, tail }) => ({ appId: id, tail }));
