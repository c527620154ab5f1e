import { z } from 'zod';
import { isoDate, text } from '../../schemas/common.ts';

export const keyName = text(1, 100);

/** A stored key as answered: its public half only. */
export const sshKey = z.object({
  id: z.string(),
  name: z.string(),
  publicKey: z.string(),
  fingerprint: z.string(),
  createdAt: isoDate,
});
