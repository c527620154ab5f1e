// The shapes quota.* procedures share.
import { z } from 'zod';
import { quotaKinds } from '../../quota.ts';

export const quotaKind = z.enum(quotaKinds);

export const quotaState = z.object({
  kind: quotaKind,
  /** How many the organization may have. */
  limit: z.number().int(),
  /** How many it has now. */
  used: z.number().int(),
  /** `override`: set for this organization by an instance administrator; else the instance default. */
  source: z.enum(['default', 'override']),
});
