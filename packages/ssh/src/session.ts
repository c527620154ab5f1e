// One SSH connection to a server: host key pinned before authentication, commands with a
// timeout on both ends, uploads over SFTP.
import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { Client, type ClientChannel, type SFTPWrapper } from 'ssh2';
import {
  CommandError,
  CommandTimeoutError,
  ConnectionLostError,
  HostKeyMismatchError,
} from './errors.ts';
import { maskSecrets, quote } from './quote.ts';

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

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Default 60 s. The remote side runs the command under `timeout`; a local timer backs it up. */
  timeoutMs?: number;
  /** Name for error messages (defaults to the command, secrets masked). */
  label?: string;
  /** Values to mask in error messages besides those marked with `secret()`. */
  secrets?: readonly string[];
  /** Sent to the command's stdin. */
  input?: string | Buffer;
}

export interface SshSession {
  /** The key the server presented on this connection, "type base64". */
  readonly hostKey: string;
  readonly host: string;
  run(command: string, options?: RunOptions): Promise<CommandResult>;
  /** Like run, but a non-zero exit throws CommandError; returns stdout. */
  runOk(command: string, options?: RunOptions): Promise<string>;
  /** Writes a local file (path) or bytes (Buffer) to remotePath via SFTP, then sets its mode. */
  upload(source: string | Buffer, remotePath: string, mode?: number): Promise<void>;
  close(): Promise<void>;
}

const defaultCommandTimeoutMs = 60_000;
/** `timeout -k` grace: after SIGTERM, SIGKILL follows this many seconds later. */
const killAfterSeconds = 5;

/** The wire-format public key blob → OpenSSH "type base64". */
export function formatHostKey(blob: Buffer): string {
  const typeLength = blob.readUInt32BE(0);
  const type = blob.subarray(4, 4 + typeLength).toString('ascii');
  return `${type} ${blob.toString('base64')}`;
}

function sameKey(a: string, b: string): boolean {
  const parts = (key: string) => key.trim().split(/\s+/).slice(0, 2).join(' ');
  return parts(a) === parts(b);
}

export function connect(options: ConnectOptions): Promise<SshSession> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let presented: string | undefined;
    let mismatch = false;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(error);
    };
    client.once('ready', () => {
      if (settled) return;
      settled = true;
      resolve(openSession(client, options.host, presented ?? ''));
    });
    client.on('error', (error) => {
      if (mismatch && options.expectedHostKey && presented) {
        fail(new HostKeyMismatchError(options.host, options.expectedHostKey, presented));
      } else {
        fail(error);
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

function openSession(client: Client, host: string, hostKey: string): SshSession {
  let closed = false;
  const running = new Set<(error: Error) => void>();
  client.on('close', () => {
    closed = true;
    for (const abort of running) abort(new ConnectionLostError(`connection to ${host} lost`));
  });
  client.on('error', () => {
    // Reported through 'close' to the commands that were running.
  });

  const exec = (command: string): Promise<ClientChannel> =>
    new Promise((resolve, reject) => {
      if (closed) {
        reject(new ConnectionLostError(`connection to ${host} is closed`));
        return;
      }
      client.exec(command, (error, channel) => (error ? reject(error) : resolve(channel)));
    });

  const run = async (command: string, options: RunOptions = {}): Promise<CommandResult> => {
    const timeoutMs = options.timeoutMs ?? defaultCommandTimeoutMs;
    const label = maskSecrets(options.label ?? command, options.secrets).slice(0, 200);
    const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
    // The remote `timeout` kills the command even if this process dies; the local timer
    // covers a server that stops answering altogether.
    const wrapped = `timeout -k ${killAfterSeconds} ${seconds} sh -c ${quote(command)}`;
    const started = Date.now();
    const channel = await exec(wrapped);
    return new Promise<CommandResult>((resolve, reject) => {
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      const finish = (error: Error | null, result?: CommandResult) => {
        clearTimeout(timer);
        running.delete(abort);
        if (error) reject(error);
        else resolve(result!);
      };
      const abort = (error: Error) => finish(error);
      running.add(abort);
      const timer = setTimeout(
        () => {
          channel.close();
          finish(new CommandTimeoutError(label, timeoutMs));
        },
        timeoutMs + (killAfterSeconds + 3) * 1000,
      );
      channel.on('data', (chunk: Buffer) => stdout.push(chunk));
      channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      channel.on('close', (code: number | null, signal?: string) => {
        const elapsed = Date.now() - started;
        // 124: `timeout` sent SIGTERM; 137: it had to send SIGKILL.
        if ((code === 124 || code === 137) && elapsed >= seconds * 1000 - 50) {
          finish(new CommandTimeoutError(label, timeoutMs));
          return;
        }
        // Killed by a signal (e.g. the OOM killer): reported the way a shell does, 128 + n.
        const signalled = signal
          ? 128 + (constants.signals[`SIG${signal.replace(/^SIG/, '')}` as NodeJS.Signals] ?? 0)
          : undefined;
        const status = typeof code === 'number' ? code : signalled;
        if (status === undefined) {
          finish(new ConnectionLostError(`${label}: channel closed without exit status`));
          return;
        }
        finish(null, {
          code: status,
          stdout: Buffer.concat(stdout).toString(),
          stderr: Buffer.concat(stderr).toString(),
        });
      });
      channel.end(options.input ?? undefined);
    });
  };

  const sftp = (): Promise<SFTPWrapper> =>
    new Promise((resolve, reject) => {
      client.sftp((error, wrapper) => (error ? reject(error) : resolve(wrapper)));
    });

  return {
    hostKey,
    host,
    run,
    async runOk(command, options = {}) {
      const result = await run(command, options);
      if (result.code !== 0) {
        throw new CommandError(
          options.label ?? command,
          result.code,
          result.stderr,
          options.secrets,
        );
      }
      return result.stdout;
    },
    async upload(source, remotePath, mode = 0o644) {
      const data = typeof source === 'string' ? await readFile(source) : source;
      const wrapper = await sftp();
      try {
        await new Promise<void>((resolve, reject) => {
          wrapper.writeFile(remotePath, data, { mode }, (error) =>
            error ? reject(error) : resolve(),
          );
        });
        // writeFile's mode applies only when the file is created; an existing file keeps its own.
        await new Promise<void>((resolve, reject) => {
          wrapper.chmod(remotePath, mode, (error) => (error ? reject(error) : resolve()));
        });
      } finally {
        wrapper.end();
      }
    },
    async close() {
      if (closed) return;
      await new Promise<void>((resolve) => {
        client.once('close', () => resolve());
        client.end();
      });
    },
  };
}
