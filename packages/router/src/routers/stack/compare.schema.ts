import { stackDiffSchema } from '@flotilla/compose/schemas';
import { z } from 'zod';
import { stackRef, versionNumber } from './schema.ts';

export const stackCompareInput = stackRef.extend({ from: versionNumber, to: versionNumber });
export const stackCompareOutput = z.object({
  from: z.number().int(),
  to: z.number().int(),
  /** Service by service: added, removed, changed (each field; env by name only). */
  diff: stackDiffSchema,
});
