import { z } from 'zod';
import { password, personName, sessionOutput } from './schema.ts';

export const acceptInviteInput = z.object({
  token: z.string().min(10).max(200),
  name: personName.optional(),
  password,
});
export const acceptInviteOutput = sessionOutput;
