import { z } from 'zod';
import { idSchema, isoDate } from '../../schemas/common.ts';

export const providerCredentialId = idSchema;
export const cloudProvider = z.enum(['digitalocean', 'hetzner', 'aws']);

/** What is ever shown of stored credentials: never the secret, only its last characters. */
export const providerCredential = z.object({
  id: z.string(),
  provider: cloudProvider,
  name: z.string(),
  hint: z.string(),
  defaultRegion: z.string().nullable(),
  clusters: z.number().int(),
  createdAt: isoDate,
  updatedAt: isoDate,
});
