import { z } from 'zod';
import { stackRef, stackRun } from './schema.ts';

export const stackRunsInput = stackRef.extend({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
/** Newest first; the total travels in `X-Total-Count`. */
export const stackRunsOutput = z.array(stackRun);
