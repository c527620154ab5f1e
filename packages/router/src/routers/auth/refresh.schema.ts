import { sessionOutput } from './schema.ts';

export const refreshOutput = sessionOutput.omit({ organization: true });
