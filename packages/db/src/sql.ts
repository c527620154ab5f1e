import postgres from 'postgres';

export type Sql = postgres.Sql;

/**
 * postgres.js, for the few hot reads written by hand and for LISTEN/NOTIFY. Prisma stays the
 * client for everything else.
 */
export function createSql(url: string, options: postgres.Options<Record<string, never>> = {}): Sql {
  return postgres(url, {
    max: 10,
    connect_timeout: 3,
    idle_timeout: 30,
    onnotice: () => {},
    ...options,
  });
}
