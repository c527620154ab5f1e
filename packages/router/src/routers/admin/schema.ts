import { z } from 'zod';
import { isoDate } from '../../schemas/common.ts';

/** A user who administers the instance (above organizations). */
export const instanceAdministrator = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  createdAt: isoDate,
});
