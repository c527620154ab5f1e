import { z } from 'zod';
import { organizationId } from '../../schemas/common.ts';
import { quotaKind, quotaState } from './schema.ts';

export const quotaSetInput = z.object({
  organizationId,
  kind: quotaKind,
  /** The organization's own limit; null returns it to the instance default. */
  limit: z.number().int().min(0).max(1_000_000).nullable(),
});
export const quotaSetOutput = quotaState;
