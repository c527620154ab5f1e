import { createHash } from 'node:crypto';
import { maskSecrets } from './quote.ts';

/** "SHA256:…" as `ssh-keygen -lf` prints it. */
export function fingerprint(hostKey: string): string {
  const blob = hostKey.trim().split(/\s+/)[1] ?? '';
  const digest = createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/** The server presented a host key other than the pinned one; nothing was run. */
export class HostKeyMismatchError extends Error {
  override name = 'HostKeyMismatchError';
  constructor(
    readonly host: string,
    readonly expected: string,
    readonly presented: string,
  ) {
    super(
      `host key of ${host} changed: expected ${fingerprint(expected)}, ` +
        `got ${fingerprint(presented)}; refusing to connect`,
    );
  }
}

/** A command exited non-zero (from `runOk`). The message carries the exit code and stderr tail. */
export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    readonly label: string,
    readonly code: number,
    readonly stderr: string,
    secrets: readonly string[] = [],
  ) {
    const tail = maskSecrets(stderr.trim(), secrets).slice(-1_000);
    super(`${maskSecrets(label, secrets)} exited with ${code}${tail ? `: ${tail}` : ''}`);
    this.stderr = maskSecrets(stderr, secrets);
  }
}

/** A command outlived its timeout (remote `timeout` fired, or the channel stopped answering). */
export class CommandTimeoutError extends Error {
  override name = 'CommandTimeoutError';
  constructor(
    readonly label: string,
    readonly timeoutMs: number,
  ) {
    super(`${label} timed out after ${timeoutMs} ms`);
  }
}

/** The connection dropped while a command was running; its outcome is unknown. */
export class ConnectionLostError extends Error {
  override name = 'ConnectionLostError';
}
