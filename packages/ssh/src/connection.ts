// Opening an SSH connection: TCP, handshake, the host key checked against the pinned one before
// authentication, then keepalives. A Connection is the raw link that sessions run channels on.
import type { Socket } from 'node:net';
import { FlotillaError } from '@flotilla/errors';
import { Client } from 'ssh2';
import { ConnectionLostError, connectFailure, HostKeyMismatchError } from './errors.ts';
import { connectionOutcome, reportConnection } from './observer.ts';

export interface ConnectOptions {
  host: string;
  port: number;
  username: string;
  /** OpenSSH or PEM private key text. */
  privateKey: string;
  /** "ssh-ed25519 AAAA…": a server presenting any other key is refused before authentication. */
  expectedHostKey?: string;
  /** Limit for TCP connect plus handshake plus authentication. */
  timeoutMs: number;
  /**
   * Keepalive period (default 5 s). After three unanswered keepalives the connection counts as
   * lost and running commands fail with ConnectionLostError.
   */
  keepaliveMs?: number;
}

/**
 * The connection closed before the server opened the channel a command or upload asked for:
 * nothing ran, so trying again on a new connection is safe.
 */
export class ChannelNotOpenedError extends ConnectionLostError {
  override name = 'ChannelNotOpenedError';
}

/**
 * The server refused to open a channel on a live connection (OpenSSH's "open failed": its
 * MaxSessions reached). Nothing ran. A server still counts a session for a moment after the
 * client saw it end, so a connection using 8 of its 10 may meet this under load: the channel is
 * asked for again on the same connection, after a pause.
 */
export class ChannelRefusedError extends FlotillaError {
  override name = 'ChannelRefusedError';
  constructor(message: string, options: { cause: unknown }) {
    super('unreachable', message, options);
  }
}

/** ssh2's answer to a channel request that never opened, as an error the pool can act on. */
export function channelFailure(connection: Connection, error: Error): Error {
  // ssh2 says this (and nothing else) to requests whose channel never opened; a request that
  // reached an open channel is told 'Unable to exec' and may have run.
  if (connection.closed && error.message === 'No response from server') {
    return new ChannelNotOpenedError(
      `connection to ${connection.host} closed before the channel opened`,
    );
  }
  if (!connection.closed && error.message.startsWith('(SSH) Channel open failure')) {
    return new ChannelRefusedError(`${connection.host} refused a channel: ${error.message}`, {
      cause: error,
    });
  }
  return error;
}

/** An authenticated connection whose host key has been checked. */
export interface Connection {
  readonly client: Client;
  readonly host: string;
  /** The key the server presented, "type base64". */
  readonly hostKey: string;
  /** True once the connection ended: closed by either side, or lost to silent keepalives. */
  readonly closed: boolean;
  /** Called once when the connection ends; returns a function that unregisters it. */
  onClose(listener: (error: ConnectionLostError) => void): () => void;
  /** Ends the connection and waits until it is closed. */
  end(): Promise<void>;
}

/** The wire-format public key blob → OpenSSH "type base64". */
export function formatHostKey(blob: Buffer): string {
  const typeLength = blob.readUInt32BE(0);
  const type = blob.subarray(4, 4 + typeLength).toString('ascii');
  return `${type} ${blob.toString('base64')}`;
}

/** Same key type and body; comments do not count. */
export function sameKey(a: string, b: string): boolean {
  const parts = (key: string) => key.trim().split(/\s+/).slice(0, 2).join(' ');
  return parts(a) === parts(b);
}

export function openConnection(options: ConnectOptions): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const started = performance.now();
    let presented: string | undefined;
    let mismatch = false;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      client.end();
      reportConnection({
        host: options.host,
        outcome: connectionOutcome(error),
        durationMs: performance.now() - started,
      });
      reject(error);
    };
    client.once('ready', () => {
      if (settled) return;
      settled = true;
      reportConnection({
        host: options.host,
        outcome: 'opened',
        durationMs: performance.now() - started,
      });
      // Channels are small request/answer exchanges: with Nagle's algorithm each waited for the
      // server's delayed ACK (measured: 45 ms to open a channel, 1 ms without), as OpenSSH
      // avoids by setting TCP_NODELAY for interactive use.
      client.setNoDelay(true);
      resolve(established(client, options.host, presented ?? ''));
    });
    client.on('error', (error) => {
      if (mismatch && options.expectedHostKey && presented) {
        fail(new HostKeyMismatchError(options.host, options.expectedHostKey, presented));
      } else {
        fail(connectFailure(options.host, error));
      }
    });
    client.on('close', () => fail(new ConnectionLostError(`connection to ${options.host} closed`)));
    client.connect({
      host: options.host,
      port: options.port,
      username: options.username,
      privateKey: options.privateKey,
      readyTimeout: options.timeoutMs,
      // Detects a server that vanished from the network while a command runs.
      keepaliveInterval: options.keepaliveMs ?? 5_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        presented = formatHostKey(key);
        if (options.expectedHostKey && !sameKey(options.expectedHostKey, presented)) {
          mismatch = true;
          return false;
        }
        return true;
      },
    });
  });
}

function established(client: Client, host: string, hostKey: string): Connection {
  let closed = false;
  const listeners = new Set<(error: ConnectionLostError) => void>();
  client.on('close', () => {
    closed = true;
    for (const listener of [...listeners])
      listener(new ConnectionLostError(`connection to ${host} lost`));
    listeners.clear();
  });
  client.on('error', () => {
    // Reported through 'close' to whatever was running.
  });
  return {
    client,
    host,
    hostKey,
    get closed() {
      return closed;
    },
    onClose(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async end() {
      if (closed) return;
      await new Promise<void>((resolve) => {
        // A server gone silent never answers the close, and ssh2 then waits forever (its
        // destroy() does nothing once end() was called): after a moment the socket is dropped.
        const drop = setTimeout(
          () => (client as unknown as { _sock?: Socket })._sock?.destroy(),
          2_000,
        );
        client.once('close', () => {
          clearTimeout(drop);
          resolve();
        });
        client.end();
      });
    },
  };
}
