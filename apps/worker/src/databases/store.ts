// Where backups are kept: a directory (FLOTILLA_BACKUP_DIR) behind @flotilla/deploy's
// BackupStore interface, which an S3-compatible bucket can implement later without the jobs
// changing. Keys are `<database id>/<backup id>.<extension>`.
import { type BackupStore, createDirectoryBackupStore } from '@flotilla/deploy';
import type { Engine } from '../engine.ts';

export function backupStore(engine: Engine): BackupStore {
  return createDirectoryBackupStore(engine.settings.databases.backupDir);
}

export function backupKey(databaseId: string, backupId: string, extension: string): string {
  return `${databaseId}/${backupId}.${extension}`;
}
