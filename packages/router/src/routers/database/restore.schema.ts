import { z } from 'zod';
import { portSchema } from '../app/schema.ts';
import { backupId, database, databaseId, databaseName, restore } from './schema.ts';

export const databaseRestoreInput = z
  .object({
    /** The database the backup was taken of. */
    databaseId,
    backupId,
    /** Load it into another database of the same engine (default: the same database). */
    targetDatabaseId: databaseId.optional(),
    /** Or into a new database, created on the same cluster with the same engine and version. */
    newDatabase: z.object({ name: databaseName, publishedPort: portSchema.optional() }).optional(),
  })
  .refine((input) => !(input.targetDatabaseId && input.newDatabase), {
    path: ['newDatabase'],
    message: 'give targetDatabaseId or newDatabase, not both',
  });

export const databaseRestoreOutput = z.object({
  restore,
  /** The database it is loaded into (a new one is `creating` first). */
  database,
});
