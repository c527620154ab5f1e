import { z } from 'zod';
import { userId } from '../../schemas/common.ts';

export const adminRevokeInput = z.object({ userId });
export const adminRevokeOutput = z.void();
