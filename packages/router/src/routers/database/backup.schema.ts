import { backup, databaseRef } from './schema.ts';

export const databaseBackupInput = databaseRef;
export const databaseBackupOutput = backup;
