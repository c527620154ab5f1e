import { z } from 'zod';
import { isoDate } from '../../schemas/common.ts';
import { restOutput } from '../../schemas/rest.ts';
import { appRef, restAppPath } from './schema.ts';

const cursor = z
  .string()
  .regex(/^\d{1,18}$/, 'must be an entry id from a previous page')
  .optional();

export const appAuditInput = appRef.extend({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Entries older than this one (the last `id` of the previous page). */
  before: cursor,
});

export const appAuditEntry = z.object({
  id: z.string(),
  /** What was done: the procedure's name (`deploy`, `update`, `rollback`, `env` for a read of the secret values). */
  action: z.string(),
  /** Who: the user's name (null when they are gone or it was refused before anyone was known). */
  user: z.string().nullable(),
  userId: z.string().nullable(),
  details: z.string().nullable(),
  outcome: z.enum(['success', 'failure', 'denied']),
  createdAt: isoDate,
});
/** Newest first. */
export const appAuditOutput = z.array(appAuditEntry);

/** `GET /api/v1/apps/{id}/audit`. */
export const appAuditRestInput = restAppPath
  .extend({ limit: appAuditInput.shape.limit, before: cursor })
  .transform(({ id, ...rest }) => ({ appId: id, ...rest }));

export const appAuditToRest = restOutput(
  z.array(
    z.object({
      id: z.string(),
      action: z.string(),
      user: z.string().nullable(),
      details: z.string().nullable(),
      outcome: z.enum(['success', 'failure', 'denied']),
      created_at: isoDate,
    }),
  ),
  (entries: z.infer<typeof appAuditOutput>) =>
    entries.map((entry) => ({
      id: entry.id,
      action: entry.action,
      user: entry.user,
      details: entry.details,
      outcome: entry.outcome,
      created_at: entry.createdAt,
    })),
);
