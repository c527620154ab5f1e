import { z } from 'zod';
import { password } from './schema.ts';

export const changePasswordInput = z.object({
  // Not the registration rules: a wrong guess must not learn which passwords are allowed.
  currentPassword: z.string().min(1).max(200),
  newPassword: password,
});

export const changePasswordOutput = z.object({
  /** Other dashboard sessions of the account, signed out by the change. */
  endedSessions: z.number().int(),
});
