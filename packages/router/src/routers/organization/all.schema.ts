import { z } from 'zod';
import { organization } from './schema.ts';

export const organizationAllOutput = z.array(organization);
