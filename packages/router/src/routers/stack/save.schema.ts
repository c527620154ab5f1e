import { composeSourceSchema } from '@flotilla/compose/schemas';
import { z } from 'zod';
import { stackRef, stackWithAnalysis } from './schema.ts';

/**
 * The draft's compose file, checked and normalized; no version is made (stack.deploy makes one).
 * `variables`, `profiles` and `drop` keep their stored values when left out, so an editor that
 * only changes the text never needs the variables' (sealed) values.
 */
export const stackSaveInput = stackRef.extend({
  compose: composeSourceSchema.shape.compose,
  variables: composeSourceSchema.shape.variables.unwrap().optional(),
  profiles: composeSourceSchema.shape.profiles.unwrap().optional(),
  /** Leave out what the analysis calls `dropped` (bind mounts, `privileged`, …). */
  drop: z.boolean().optional(),
});
export const stackSaveOutput = stackWithAnalysis;
