// Local commands (ip, nsenter, iptables, docker) run without a shell: arguments are passed as an
// argv array, so nothing here needs quoting.
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  /** A stream is piped (large inputs, such as an image's root filesystem, are not buffered). */
  input?: string | Buffer | Readable;
  timeoutMs?: number;
}

export class TestbedError extends Error {
  override name = 'TestbedError';
}

export function run(
  file: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 128 + 9 : 1),
        stdout: Buffer.concat(stdout).toString(),
        stderr: Buffer.concat(stderr).toString(),
      });
    });
    // The child may exit before reading its input (EPIPE); its exit code tells what happened.
    child.stdin.on('error', () => {});
    const input = options.input;
    if (input instanceof Readable) {
      input.on('error', (error) => child.stdin.destroy(error));
      input.pipe(child.stdin);
    } else {
      child.stdin.end(input ?? '');
    }
  });
}

/** Like `run`, but a non-zero exit is an error that names the command and its stderr. */
export async function runOk(
  file: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<string> {
  const result = await run(file, args, options);
  if (result.code !== 0) {
    throw new TestbedError(
      `${file} ${args.join(' ')} exited with ${result.code}: ${result.stderr.trim().slice(-500)}`,
    );
  }
  return result.stdout;
}
