import { z } from 'zod';
import { isoDate, orgRole } from '../../schemas/common.ts';

export const organization = z.object({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  role: orgRole,
  /** Where apps go when a request names no cluster (cluster.setDefault). */
  defaultClusterId: z.string().nullable(),
  createdAt: isoDate,
});
