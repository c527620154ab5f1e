import { z } from 'zod';

export const logoutOutput = z.object({ revoked: z.boolean() });
