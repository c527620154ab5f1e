import { toIso } from '../../tokens.ts';

/** A token row as answered: never its hash. */
export const tokenOut = (row: {
  id: string;
  name: string;
  kind: 'session' | 'api';
  prefix: string;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
}) => ({
  id: row.id,
  name: row.name,
  kind: row.kind,
  prefix: row.prefix,
  expiresAt: toIso(row.expiresAt),
  lastUsedAt: toIso(row.lastUsedAt),
  createdAt: row.createdAt.toISOString(),
});
