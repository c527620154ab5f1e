import { z } from 'zod';
import { clusterId, userId } from '../../schemas/common.ts';
import { grant, permissionSchema } from './schema.ts';

export const grantAccessInput = z
  .object({
    clusterId,
    userId: userId.optional(),
    email: z.email().max(254).optional(),
    permission: permissionSchema,
  })
  .refine((value) => value.userId !== undefined || value.email !== undefined, {
    message: 'give userId or email',
    path: ['userId'],
  });
export const grantAccessOutput = grant;
