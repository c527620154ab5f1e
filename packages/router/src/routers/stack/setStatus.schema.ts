import { stack, stackRef, stackStatusSchema } from './schema.ts';

export const stackSetStatusInput = stackRef.extend({ status: stackStatusSchema });
export const stackSetStatusOutput = stack;
