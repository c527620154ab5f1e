import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.ts';

export type Db = PrismaClient;

export interface DbOptions {
  url: string;
  /** Pool size (adapter-pg's default is 10). */
  max?: number;
  /** Fail fast instead of waiting forever for a connection (adapter-pg's default is 0: forever). */
  connectionTimeoutMs?: number;
}

/** One Prisma client per process; pass it in, never import a global. */
export function createDb({ url, max = 10, connectionTimeoutMs = 3_000 }: DbOptions): Db {
  const adapter = new PrismaPg(
    {
      connectionString: url,
      max,
      connectionTimeoutMillis: connectionTimeoutMs,
      idleTimeoutMillis: 30_000,
      // A query that outlives this is stuck (lock wait, dead server); fail it.
      query_timeout: 30_000,
    },
    {
      // A pool error (server restarted) must not crash the process; the next query reconnects.
      onPoolError: () => {},
    },
  );
  return new PrismaClient({ adapter });
}
