import { z } from 'zod';
import { isoDate, text } from '../../schemas/common.ts';
import { tokenSummary } from './schema.ts';

export const tokenCreateInput = z.object({
  name: text(1, 100),
  expiresAt: isoDate.optional(),
});

/** The only time the secret is shown. */
export const tokenCreateOutput = tokenSummary.extend({ token: z.string() });
