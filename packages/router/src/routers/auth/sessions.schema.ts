import { z } from 'zod';
import { idSchema, isoDate } from '../../schemas/common.ts';

export const authSession = z.object({
  id: z.string(),
  /** The session this request was made with. */
  current: z.boolean(),
  signedInAt: isoDate,
  lastUsedAt: isoDate.nullable(),
  /** The address and browser it was signed in from. */
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  /** Ends then at the latest, or at idleExpiresAt unless used before. */
  expiresAt: isoDate,
  idleExpiresAt: isoDate,
});

export const authSessionsOutput = z.object({ items: z.array(authSession) });

export const endSessionInput = z.object({ sessionId: idSchema });
export const endSessionOutput = z.void();
