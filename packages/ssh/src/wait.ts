// Waiting for a server that is still booting: connection refused, unreachable or silent are
// expected for a while; a changed host key never is.
import { HostKeyMismatchError } from './errors.ts';
import { type ConnectOptions, connect, type SshSession } from './session.ts';

export interface WaitOptions {
  timeoutMs: number;
  /** First pause between attempts; doubles up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  onAttempt?: (attempt: number, error: Error) => void;
}

export class SshWaitTimeoutError extends Error {
  override name = 'SshWaitTimeoutError';
  constructor(
    readonly host: string,
    readonly attempts: number,
    readonly lastError: Error,
  ) {
    super(`${host} did not answer SSH after ${attempts} attempts: ${lastError.message}`);
  }
}

export async function waitForSsh(options: ConnectOptions, wait: WaitOptions): Promise<SshSession> {
  const deadline = Date.now() + wait.timeoutMs;
  let delay = wait.initialDelayMs ?? 250;
  const maxDelay = wait.maxDelayMs ?? 5_000;
  for (let attempt = 1; ; attempt++) {
    const left = deadline - Date.now();
    try {
      return await connect({
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
