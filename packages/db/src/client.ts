import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client.ts';

export type Db = PrismaClient;

export interface DbOptions {
  url: string;
  /** Pool size (adapter-pg's default is 10). */
  max?: number;
  /**
   * How long opening one connection may take: past it the database counts as unreachable and
   * the query fails (adapter-pg's default is 0: forever).
   */
  connectionTimeoutMs?: number;
  /**
   * How long a query may wait for a free pool connection while the database answers but every
   * connection is busy (Prisma's own pool_timeout default is 10 s). A busy pool is load, not an
   * outage, so it gets longer than opening a connection.
   */
  poolTimeoutMs?: number;
}

/** One Prisma client per process; pass it in, never import a global. */
export function createDb({
  url,
  max = 10,
  connectionTimeoutMs = 3_000,
  poolTimeoutMs = Math.max(10_000, connectionTimeoutMs),
}: DbOptions): Db {
  // pg-pool has one timeout for both waits; the connection's own connect timeout bounds the
  // opening of a connection, so an unreachable database still fails within connectionTimeoutMs.
  class Connection extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super({
        ...(typeof config === 'string' ? { connectionString: config } : config),
        connectionTimeoutMillis: connectionTimeoutMs,
      });
    }
  }
  const adapter = new PrismaPg(
    {
      connectionString: url,
      max,
      Client: Connection as unknown as new () => pg.ClientBase,
      connectionTimeoutMillis: poolTimeoutMs,
      idleTimeoutMillis: 30_000,
      // A query that outlives this is stuck (lock wait, dead server); fail it.
      query_timeout: 30_000,
    },
    {
      // A pool error (server restarted) must not crash the process; the next query reconnects.
      onPoolError: () => {},
    },
  );
  // An interactive transaction waits for its connection as long as any query would (Prisma's
  // own maxWait is 2 s, which under load fails a transaction the pool would have served), and
  // may run for 20 s (Prisma's default is 5 s): creates take turns on their organization's quota
  // lock, and a burst of 50 made the last ones wait longer than 5 s — load, answered 503 before.
  // A stuck transaction still ends, at the latest with its queries' 30 s query_timeout.
  return new PrismaClient({
    adapter,
    transactionOptions: { maxWait: poolTimeoutMs, timeout: Math.max(20_000, poolTimeoutMs) },
  });
}
