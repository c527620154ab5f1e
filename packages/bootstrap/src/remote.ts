// What the bootstrap steps need from an SSH session: `run`, and `upload` for artifacts.
// `@flotilla/ssh` sessions satisfy it; so does anything else speaking the same shape.
import { type ErrorCode, FlotillaError } from '@flotilla/errors';
import { CommandError, type CommandResult, type RunOptions, type SshSession } from '@flotilla/ssh';

export type Remote = Pick<SshSession, 'run'>;
export type RemoteWithUpload = Pick<SshSession, 'run' | 'upload'>;

/** Every step reports whether it changed the server, so a rerun can be seen to be a no-op. */
export interface StepResult {
  changed: boolean;
}

/**
 * A step that could not do its work. By default the server answered something other than what
 * the step needs (`commandFailed`: its job tries again); an argument that can never work is
 * `invalid`, a wait that ran out is `commandTimedOut`.
 */
export class BootstrapError extends FlotillaError {
  override name = 'BootstrapError';
  constructor(message: string, code: ErrorCode = 'commandFailed') {
    super(code, message);
  }
}

/** Runs a command; a non-zero exit throws CommandError naming the step. */
export async function runStep(
  remote: Remote,
  label: string,
  command: string,
  options: Omit<RunOptions, 'label'> = {},
): Promise<string> {
  const result: CommandResult = await remote.run(command, { ...options, label });
  if (result.code !== 0) throw new CommandError(label, result.code, result.stderr, options.secrets);
  return result.stdout;
}

export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | null | false>,
  timeoutMs: number,
  intervalMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() >= deadline) {
      throw new BootstrapError(`${what}: not done after ${timeoutMs} ms`, 'commandTimedOut');
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

const ipv4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const hostname =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** An address another server can reach: IPv4, bracket-free IPv6 or a DNS name. */
export function checkAddress(field: string, value: string): string {
  if (ipv4.test(value) || hostname.test(value) || /^[0-9a-fA-F:]+$/.test(value)) return value;
  throw new BootstrapError(
    `${field}: not an IP address or host name: ${JSON.stringify(value)}`,
    'invalid',
  );
}
