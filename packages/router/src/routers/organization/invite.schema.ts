import { z } from 'zod';
import { email, isoDate, organizationId, orgRole } from '../../schemas/common.ts';

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
