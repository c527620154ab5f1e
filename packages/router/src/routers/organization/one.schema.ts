import { z } from 'zod';
import { organizationId } from '../../schemas/common.ts';
import { organization } from './schema.ts';

export const organizationOneInput = z.object({ organizationId });
export const organizationOneOutput = organization;
