import { z } from 'zod';
import { clusterId, userId } from '../../schemas/common.ts';

export const revokeAccessInput = z.object({ clusterId, userId });
export const revokeAccessOutput = z.void();
