import { z } from 'zod';
import { restOutput } from '../../schemas/rest.ts';
import { appRef, restAppPath } from './schema.ts';

const tail = z.coerce.number().int().min(1).max(5_000).default(200);
/** ISO-8601, or Unix seconds. */
const since = z
  .union([z.iso.datetime({ offset: true }), z.string().regex(/^\d{1,12}$/, 'must be a time')])
  .optional();

export const appLogsInput = appRef.extend({
  /** Lines from the end of each task's log. */
  tail,
  /** Only lines written after this time (ISO-8601 or Unix seconds). */
  since,
});

export const appLogLine = z.object({
  /** RFC 3339 with nanoseconds, as the daemon stamped the line. */
  time: z.string(),
  stream: z.enum(['stdout', 'stderr']),
  taskId: z.string().nullable(),
  nodeId: z.string().nullable(),
  message: z.string(),
});
export type LogLineOut = z.infer<typeof appLogLine>;
/** Oldest first, every task's lines merged by time. */
export const appLogsOutput = z.array(appLogLine);

/** `GET /api/v1/apps/{id}/logs?tail=…&since=…`. */
export const appLogsRestInput = restAppPath
  .extend({ tail, since })
  .transform(({ id, ...rest }) => ({ appId: id, ...rest }));

export const restLogLine = z.object({
  time: z.string(),
  stream: z.enum(['stdout', 'stderr']),
  task_id: z.string().nullable(),
  node_id: z.string().nullable(),
  message: z.string(),
});

export function logLineToRest(line: LogLineOut): z.infer<typeof restLogLine> {
  return {
    time: line.time,
    stream: line.stream,
    task_id: line.taskId,
    node_id: line.nodeId,
    message: line.message,
  };
}

export const logsToRest = restOutput(z.array(restLogLine), (lines: LogLineOut[]) =>
  lines.map(logLineToRest),
);

/** Unix seconds from the input's `since`. */
export function sinceSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return /^\d+$/.test(value) ? Number(value) : Math.floor(Date.parse(value) / 1000);
}
