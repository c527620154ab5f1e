// A command on a connection: run under `timeout` on the server (killed there even if this
// process dies) with a local timer behind it for a server that stops answering.
import { constants } from 'node:os';
import type { ClientChannel } from 'ssh2';
import { ChannelNotOpenedError, type Connection, channelFailure } from './connection.ts';
import { CommandError, CommandTimeoutError, ConnectionLostError } from './errors.ts';
import { maskSecrets, quote } from './quote.ts';

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
  /** Each chunk of output as it arrives (a build's log, streamed live); the result keeps it too. */
  onOutput?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
}

const defaultCommandTimeoutMs = 60_000;
/** `timeout -k` grace: after SIGTERM, SIGKILL follows this many seconds later. */
const killAfterSeconds = 5;

function exec(connection: Connection, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    if (connection.closed) {
      reject(new ConnectionLostError(`connection to ${connection.host} is closed`));
      return;
    }
    try {
      connection.client.exec(command, (error, channel) =>
        error ? reject(channelFailure(connection, error)) : resolve(channel),
      );
    } catch {
      // 'Not connected': the socket went before ssh2 reported the close.
      reject(new ChannelNotOpenedError(`connection to ${connection.host} is closed`));
    }
  });
}

export async function runCommand(
  connection: Connection,
  command: string,
  options: RunOptions = {},
): Promise<CommandResult> {
  const timeoutMs = options.timeoutMs ?? defaultCommandTimeoutMs;
  const label = maskSecrets(options.label ?? command, options.secrets).slice(0, 200);
  const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  // The remote `timeout` kills the command even if this process dies; the local timer
  // covers a server that stops answering altogether.
  const wrapped = `timeout -k ${killAfterSeconds} ${seconds} sh -c ${quote(command)}`;
  const started = Date.now();
  const channel = await exec(connection, wrapped);
  return new Promise<CommandResult>((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const finish = (error: Error | null, result?: CommandResult) => {
      clearTimeout(timer);
      stopWatching();
      if (error) reject(error);
      else resolve(result!);
    };
    const stopWatching = connection.onClose((error) => finish(error));
    const timer = setTimeout(
      () => {
        channel.close();
        finish(new CommandTimeoutError(label, timeoutMs));
      },
      timeoutMs + (killAfterSeconds + 3) * 1000,
    );
    channel.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      options.onOutput?.(chunk, 'stdout');
    });
    channel.stderr.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      options.onOutput?.(chunk, 'stderr');
    });
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
}

/** `runOk`'s rule: a non-zero exit is a CommandError; otherwise stdout. */
export function stdoutOrThrow(command: string, options: RunOptions, result: CommandResult): string {
  if (result.code !== 0) {
    throw new CommandError(options.label ?? command, result.code, result.stderr, options.secrets);
  }
  return result.stdout;
}
