import { z } from 'zod';
import { email, isoDate, listInput, organizationId, orgRole, pageOf } from './common.ts';

export const organization = z.object({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  role: orgRole,
  createdAt: isoDate,
});

export const organizationOneInput = z.object({ organizationId });

export const membersInput = listInput(['createdAt', 'email', 'name'], 'createdAt').extend({
  organizationId,
});

export const member = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  role: orgRole,
  joinedAt: isoDate,
});
export const membersOutput = pageOf(member);

export const inviteInput = z.object({
  organizationId,
  email,
  role: orgRole.default('member'),
});

export const inviteOutput = z.object({
  id: z.string(),
  email: z.string(),
  role: orgRole,
  expiresAt: isoDate,
  /** Shown once: the invitee passes it to `auth.acceptInvite`. */
  token: z.string(),
});
