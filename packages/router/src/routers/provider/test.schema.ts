import { z } from 'zod';
import { providerCredentialId } from './schema.ts';

export const providerTestInput = z.object({ providerCredentialId });
export const providerTestOutput = z.object({
  ok: z.boolean(),
  problem: z
    .enum(['bad-token', 'read-only', 'wrong-region', 'unreachable', 'provider-error'])
    .nullable(),
  message: z.string(),
});
