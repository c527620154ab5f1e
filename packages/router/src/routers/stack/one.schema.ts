import { stack, stackRef } from './schema.ts';

export const stackOneInput = stackRef;
export const stackOneOutput = stack;
