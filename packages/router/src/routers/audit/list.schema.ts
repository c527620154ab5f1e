import { z } from 'zod';
import { clusterId, isoDate, organizationId, text, userId } from '../../schemas/common.ts';

export const auditListInput = z.object({
  organizationId,
  clusterId: clusterId.optional(),
  actorId: userId.optional(),
  action: text(1, 100).optional(),
  /** Entries older than this id (the `nextCursor` of the previous page). */
  cursor: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const auditEntry = z.object({
  id: z.string(),
  action: z.string(),
  outcome: z.enum(['success', 'failure', 'denied']),
  errorCode: z.string().nullable(),
  actorId: z.string().nullable(),
  organizationId: z.string().nullable(),
  clusterId: z.string().nullable(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  requestId: z.string().nullable(),
  ip: z.string().nullable(),
  createdAt: isoDate,
});

export const auditListOutput = z.object({
  items: z.array(auditEntry),
  nextCursor: z.string().nullable(),
});
