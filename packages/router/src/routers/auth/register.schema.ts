import { z } from 'zod';
import { email, text } from '../../schemas/common.ts';
import { password, personName, sessionOutput } from './schema.ts';

export const registerInput = z.object({
  email,
  password,
  name: personName,
  organizationName: text(1, 100).optional(),
});
export const registerOutput = sessionOutput;
