import { z } from 'zod';
import { appRef } from './schema.ts';

export const appEnvInput = appRef;
export const appEnvOutput = z.object({
  env: z.record(z.string(), z.string()),
  /** The secret values in clear: only for those who may manage the app, and audited. */
  secretEnv: z.record(z.string(), z.string()),
});
