import { z } from 'zod';
import { isoDate, listInput, pageOf, text, tokenId } from './common.ts';

export const tokenCreateInput = z.object({
  name: text(1, 100),
  expiresAt: isoDate.optional(),
});

export const tokenSummary = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['session', 'api']),
  prefix: z.string(),
  expiresAt: isoDate.nullable(),
  lastUsedAt: isoDate.nullable(),
  createdAt: isoDate,
});

/** The only time the secret is shown. */
export const tokenCreateOutput = tokenSummary.extend({ token: z.string() });

export const tokenListInput = listInput(['createdAt', 'name'], 'createdAt');
export const tokenListOutput = pageOf(tokenSummary);

export const tokenRevokeInput = z.object({ tokenId });
