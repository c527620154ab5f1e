import { z } from 'zod';
import { email } from '../../schemas/common.ts';
import { sessionOutput } from './schema.ts';

export const loginInput = z.object({
  email,
  // Not the registration rules: a login must not reveal which passwords are allowed.
  password: z.string().min(1).max(200),
});
export const loginOutput = sessionOutput;
