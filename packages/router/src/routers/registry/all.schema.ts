import { z } from 'zod';
import { organizationId } from '../../schemas/common.ts';
import { registry } from './schema.ts';

export const registryAllInput = z.object({ organizationId });
export const registryAllOutput = z.array(registry);
