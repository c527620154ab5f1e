// Waiting for a server that is still booting: connection refused, unreachable or silent are
// expected for a while; a changed host key never is.
import { FlotillaError } from '@flotilla/errors';
import { HostKeyMismatchError } from './errors.ts';
import { type ConnectOptions, connect, type SshSession } from './session.ts';

export interface WaitOptions {
  timeoutMs: number;
  /** First pause between attempts; doubles up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  onAttempt?: (attempt: number, error: Error) => void;
  /** How each attempt connects (default `connect`; `pool.session` shares the connection). */
  connect?: (options: ConnectOptions) => Promise<SshSession>;
}

/** The server did not answer SSH before the deadline (`unreachable`: it may still come up). */
export class SshWaitTimeoutError extends FlotillaError {
  override name = 'SshWaitTimeoutError';
  constructor(
    readonly host: string,
    readonly attempts: number,
    readonly lastError: Error,
  ) {
    super(
      'unreachable',
      `${host} did not answer SSH after ${attempts} attempts: ${lastError.message}`,
      {
        cause: lastError,
      },
    );
  }
}

export async function waitForSsh(options: ConnectOptions, wait: WaitOptions): Promise<SshSession> {
  const deadline = Date.now() + wait.timeoutMs;
  let delay = wait.initialDelayMs ?? 250;
  const maxDelay = wait.maxDelayMs ?? 5_000;
  const open = wait.connect ?? connect;
  for (let attempt = 1; ; attempt++) {
    const left = deadline - Date.now();
    try {
      return await open({
        ...options,
        timeoutMs: Math.max(500, Math.min(options.timeoutMs, left)),
      });
    } catch (error) {
      if (error instanceof HostKeyMismatchError) throw error;
      const reason = error instanceof Error ? error : new Error(String(error));
      wait.onAttempt?.(attempt, reason);
      if (Date.now() + delay >= deadline)
        throw new SshWaitTimeoutError(options.host, attempt, reason);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, maxDelay);
    }
  }
}
