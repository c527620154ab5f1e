import { z } from 'zod';
import { email, isoDate, orgRole, text } from './common.ts';

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

export const registerInput = z.object({
  email,
  password,
  name: personName,
  organizationName: text(1, 100).optional(),
});

export const loginInput = z.object({
  email,
  // Not the registration rules: a login must not reveal which passwords are allowed.
  password: z.string().min(1).max(200),
});

export const acceptInviteInput = z.object({
  token: z.string().min(10).max(200),
  name: personName.optional(),
  password,
});

export const sessionOutput = z.object({
  token: z.string(),
  expiresAt: isoDate,
  user,
  organization: organizationSummary.optional(),
});

/** Who may register now: the first user, anyone (open sign-up), or only invited people. */
export const authStatusOutput = z.object({
  signup: z.enum(['first-user', 'open', 'invitation-only']),
});

export const meOutput = user.extend({ organizations: z.array(organizationSummary) });
