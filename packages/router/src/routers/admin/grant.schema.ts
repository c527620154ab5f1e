import { z } from 'zod';
import { email, userId } from '../../schemas/common.ts';
import { instanceAdministrator } from './schema.ts';

export const adminGrantInput = z
  .object({ userId: userId.optional(), email: email.optional() })
  .refine((value) => value.userId !== undefined || value.email !== undefined, {
    message: 'give userId or email',
    path: ['userId'],
  });

export const adminGrantOutput = instanceAdministrator;
