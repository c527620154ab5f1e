import { z } from 'zod';
import { isoDate } from '../../schemas/common.ts';
import { appRef, restAppPath } from './schema.ts';

export const appEventsInput = appRef.extend({
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const appEvent = z.object({
  at: isoDate,
  /** `Warning` for failed, rejected or stuck tasks, as Kubernetes events say it. */
  type: z.enum(['Normal', 'Warning']),
  /**
   * The task's state (`running`, `failed`, `shutdown`, …); on Kubernetes the condition's or the
   * container's reason (`NewReplicaSetAvailable`, `ProgressDeadlineExceeded`, `CrashLoopBackOff`, …).
   */
  reason: z.string(),
  message: z.string(),
  /** The task (pod) it is about; on Kubernetes `Pod/<name>` or `Deployment/<name>`. */
  pod: z.string(),
  node: z.string().nullable(),
});
/** Newest first. */
export const appEventsOutput = z.array(appEvent);

/** `GET /api/v1/apps/{id}/events`. */
export const appEventsRestInput = restAppPath
  .extend({ limit: appEventsInput.shape.limit })
  .transform(({ id, limit }) => ({ appId: id, limit }));
