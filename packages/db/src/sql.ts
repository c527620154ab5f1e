import { connect, type Socket } from 'node:net';
import postgres from 'postgres';

export type Sql = postgres.Sql;

/**
 * postgres.js retries a connection that the server closes cleanly during startup at once and
 * forever, and the query waiting for it never settles (porsager/postgres#1193). That is what a
 * client sees while Postgres is down behind a proxy or a container's published port: the TCP
 * connect succeeds, then the socket is closed without a byte. Such a close becomes a socket
 * error here, which fails the waiting query; the next query connects afresh.
 */
function startupSafeSocket(options: { host: string[]; port: number[]; path?: string | false }) {
  const socket: Socket = options.path
    ? connect(options.path)
    : connect(options.port[0] ?? 5432, options.host[0] ?? 'localhost');
  socket.once('end', () => {
    if (socket.bytesRead > 0) return;
    const error = new Error('The database closed the connection before answering');
    socket.destroy(Object.assign(error, { code: 'CONNECTION_CLOSED' }));
  });
  return socket;
}

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
    // Not in postgres.js's types, but documented in its source (connection.js createSocket).
    ...({ socket: startupSafeSocket } as object),
    // Seconds before the next connection attempt after a failed one. postgres.js's default grows
    // to 20 s, and a query queued behind failed attempts waits that long even once the database
    // is back; capped, queued queries fail or run within a fraction of a second each.
    backoff: (retries: number) => Math.min(0.01 * 3 ** retries, 0.25),
    ...options,
  });
}
