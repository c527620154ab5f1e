import { z } from 'zod';
import { instanceAdministrator } from './schema.ts';

export const adminListOutput = z.array(instanceAdministrator);
