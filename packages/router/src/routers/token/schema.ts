import { z } from 'zod';
import { isoDate } from '../../schemas/common.ts';

/** A token as listed: never its secret. */
export const tokenSummary = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['session', 'api']),
  prefix: z.string(),
  expiresAt: isoDate.nullable(),
  lastUsedAt: isoDate.nullable(),
  createdAt: isoDate,
});
