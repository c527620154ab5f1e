import { z } from 'zod';
import { stackRef, stackRun } from './schema.ts';

export const stackDeployInput = stackRef.extend({
  /** Give up after this long (the previous version is put back); default 15 minutes. */
  timeoutSeconds: z.coerce.number().int().min(30).max(3600).optional(),
});
export const stackDeployOutput = stackRun;
