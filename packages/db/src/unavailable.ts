// "The database is not there right now" (retry later) as opposed to a bug or bad input. Errors
// reach us in several shapes: Prisma's coded errors, the driver adapter's DriverAdapterError
// kinds (often only in `meta.driverAdapterError` of a Prisma error), Postgres SQLSTATEs of a
// server shutting down, postgres.js and node:net codes, and pg/pg-pool's plain Errors without
// any code, which the adapter passes through untouched. So the whole cause chain is searched.

// Prisma: cannot reach / timed out / connection closed / pool timeout; node:net; postgres.js;
// SQLSTATE class 08 (connection exception), 57P01–57P03 (admin/crash shutdown, cannot connect
// now: a restarting server) and 53300 (too many connections).
const unavailableCodes = new Set([
  'P1001',
  'P1002',
  'P1017',
  'P2024',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

// @prisma/driver-adapter-utils error kinds that mean the connection, not the query, failed.
const unavailableKinds = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);

// pg and pg-pool throw these as plain Errors (no code): a socket dropped mid-query or during
// connect, a connect that timed out (pool or client timer), no pool connection free in time,
// a query on a client whose connection already failed, query_timeout reached.
const unavailableMessages = [
  /^Connection terminated( unexpectedly| due to connection timeout)?$/,
  /^timeout exceeded when trying to connect$/,
  /^timeout expired$/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Query read timeout$/,
];

function links(error: unknown): object[] {
  const out: object[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && out.length < 16) {
    const item = queue.shift();
    if (typeof item !== 'object' || item === null || out.includes(item)) continue;
    out.push(item);
    const e = item as { cause?: unknown; meta?: { driverAdapterError?: unknown } };
    queue.push(e.cause, e.meta?.driverAdapterError);
  }
  return out;
}

// Prisma P2028 (transaction API error) when the pool stayed busy past the transaction's
// `maxWait`, or the transaction outlived its `timeout` waiting on a loaded server: the same
// request can succeed shortly. Other P2028s (a transaction handle used after it ended) are bugs.
const busyTransaction = /Unable to start a transaction in the given time|expired transaction/;

function isUnavailableLink(link: object): boolean {
  const { code, kind, originalCode, message } = link as Record<string, unknown>;
  if (typeof code === 'string' && unavailableCodes.has(code)) return true;
  if (code === 'P2028' && typeof message === 'string' && busyTransaction.test(message)) return true;
  if (typeof kind === 'string' && unavailableKinds.has(kind)) return true;
  // Kind `postgres`: a server error passed on with its SQLSTATE.
  if (typeof originalCode === 'string' && unavailableCodes.has(originalCode)) return true;
  if (code === undefined && typeof message === 'string') {
    return unavailableMessages.some((pattern) => pattern.test(message));
  }
  return false;
}

/** Whether an error (anywhere in its cause chain) means the database cannot be reached now. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return links(error).some(isUnavailableLink);
}
