import { z } from 'zod';
import { organizationId } from '../../schemas/common.ts';
import { quotaState } from './schema.ts';

export const quotaGetInput = z.object({ organizationId });
export const quotaGetOutput = z.object({ organizationId: z.string(), quotas: z.array(quotaState) });
