// What can go wrong on an SSH connection, as @flotilla/errors codes: callers (the worker's retry
// decisions, the stored failure kind) decide on the code, never on the wording.
import { createHash } from 'node:crypto';
import { FlotillaError } from '@flotilla/errors';
import { maskSecrets } from './quote.ts';

/** "SHA256:…" as `ssh-keygen -lf` prints it. */
export function fingerprint(hostKey: string): string {
  const blob = hostKey.trim().split(/\s+/)[1] ?? '';
  const digest = createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/** The server presented a host key other than the pinned one; nothing was run. */
export class HostKeyMismatchError extends FlotillaError {
  override name = 'HostKeyMismatchError';
  constructor(
    readonly host: string,
    readonly expected: string,
    readonly presented: string,
  ) {
    super(
      'hostKeyChanged',
      `host key of ${host} changed: expected ${fingerprint(expected)}, ` +
        `got ${fingerprint(presented)}; refusing to connect`,
    );
  }
}

/** A command exited non-zero (from `runOk`). The message carries the exit code and stderr tail. */
export class CommandError extends FlotillaError {
  override name = 'CommandError';
  constructor(
    readonly label: string,
    readonly exitCode: number,
    readonly stderr: string,
    secrets: readonly string[] = [],
  ) {
    const tail = maskSecrets(stderr.trim(), secrets).slice(-1_000);
    super(
      'commandFailed',
      `${maskSecrets(label, secrets)} exited with ${exitCode}${tail ? `: ${tail}` : ''}`,
    );
    this.stderr = maskSecrets(stderr, secrets);
  }
}

/** A command outlived its timeout (remote `timeout` fired, or the channel stopped answering). */
export class CommandTimeoutError extends FlotillaError {
  override name = 'CommandTimeoutError';
  constructor(
    readonly label: string,
    readonly timeoutMs: number,
  ) {
    super('commandTimedOut', `${label} timed out after ${timeoutMs} ms`);
  }
}

/** The connection dropped while a command was running; its outcome is unknown. */
export class ConnectionLostError extends FlotillaError {
  override name = 'ConnectionLostError';
  constructor(message: string) {
    super('unreachable', message);
  }
}

/** The server could not be reached: the connection was refused, went nowhere, or no SSH
 * handshake came in time. The message is the socket's or ssh2's own. */
export class ServerUnreachableError extends FlotillaError {
  override name = 'ServerUnreachableError';
  constructor(
    readonly host: string,
    cause: Error,
  ) {
    super('unreachable', cause.message, { cause });
  }
}

// ssh2 tags its errors with where they happened: 'client-socket' (refused, reset, no route),
// 'client-timeout' (no handshake within readyTimeout). A refused login ('client-authentication')
// is not unreachability and stays as ssh2 reports it.
const unreachableLevels = new Set(['client-socket', 'client-timeout']);
const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
]);

/** A failed `connect` as callers decide on it: unreachable when the network said so. */
export function connectFailure(host: string, error: Error): Error {
  if (error instanceof FlotillaError) return error;
  const { level, code } = error as Error & { level?: string; code?: string };
  if ((level && unreachableLevels.has(level)) || (code && unreachableCodes.has(code))) {
    return new ServerUnreachableError(host, error);
  }
  return error;
}
