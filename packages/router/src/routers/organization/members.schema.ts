import { z } from 'zod';
import { isoDate, listInput, organizationId, orgRole, pageOf } from '../../schemas/common.ts';

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
