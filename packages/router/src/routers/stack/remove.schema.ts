import { z } from 'zod';
import { stackRef } from './schema.ts';

export const stackRemoveInput = stackRef;
export const stackRemoveOutput = z.void();
