import { z } from 'zod';
import { clusterRef } from './schema.ts';

export const clusterSetDefaultInput = clusterRef;
export const clusterSetDefaultOutput = z.object({
  organizationId: z.string(),
  /** Where apps go when a request names no cluster. */
  defaultClusterId: z.string(),
});
