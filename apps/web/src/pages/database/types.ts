// The database pages' data, as the API returns it.
import type { Outputs } from '../../trpc.ts';

export type Database = Outputs['database']['one'];
export type Backups = Outputs['database']['backups'];
export type Credentials = Outputs['database']['credentials'];

/** States the worker moves a database out of by itself soon. */
export const settlingDatabase = new Set<Database['status']>(['creating', 'deleting']);

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '—';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
