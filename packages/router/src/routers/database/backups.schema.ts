import { z } from 'zod';
import { backup, databaseId, restore } from './schema.ts';

export const databaseBackupsInput = z.object({
  databaseId,
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const databaseBackupsOutput = z.object({
  /** Newest first. */
  backups: z.array(backup),
  /** Restores into this database, newest first. */
  restores: z.array(restore),
});
