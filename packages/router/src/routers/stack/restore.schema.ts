import { stackRef, stackRun, versionNumber } from './schema.ts';

export const stackRestoreInput = stackRef.extend({ version: versionNumber });
export const stackRestoreOutput = stackRun;
