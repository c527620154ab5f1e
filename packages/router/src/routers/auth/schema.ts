// The shapes auth.* procedures share: passwords, a user, a session.
import { z } from 'zod';
import { isoDate, orgRole, text } from '../../schemas/common.ts';

// Length limits: scrypt on megabytes of "password" would be a cheap way to burn our CPU.
export const password = z
  .string()
  .min(10, 'must be at least 10 characters')
  .max(200, 'must be at most 200 characters');

export const personName = text(1, 100);

export const user = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  createdAt: isoDate,
});

export const organizationSummary = z.object({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  role: orgRole,
});

export const sessionOutput = z.object({
  token: z.string(),
  /** The session ends then whatever its use (FLOTILLA_SESSION_MAX_AGE after signing in). */
  expiresAt: isoDate,
  /** …or earlier, then, unless used before (FLOTILLA_SESSION_IDLE_TIMEOUT after its last use). */
  idleExpiresAt: isoDate,
  user,
  organization: organizationSummary.optional(),
});
