import { z } from 'zod';
import { stack, stackPlacement } from './schema.ts';

export const stackCreateInput = z.object(stackPlacement);
export const stackCreateOutput = stack;
