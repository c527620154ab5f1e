import type { ProviderLog, RetryPolicy, Server } from './client.ts';
import { ProviderError } from './errors.ts';
import { backoffMs } from './rest.ts';

/**
 * Find-then-create, repeated when the create's outcome is unknown. A 5xx, a timeout or a lost
 * connection after the request left may mean the machine exists; looking for the node's tag
 * again before the next create is what keeps a second machine from appearing.
 */
export async function createServerOnce(options: {
  provider: string;
  log: ProviderLog | undefined;
  retry: RetryPolicy;
  find: () => Promise<Server | undefined>;
  create: () => Promise<Server>;
  /** The provider says the name is taken: the earlier attempt did create it. */
  isConflict?: (error: ProviderError) => boolean;
}): Promise<Server> {
  for (let attempt = 0; ; attempt++) {
    const existing = await options.find();
    if (existing && existing.status !== 'gone') return existing;
    try {
      return await options.create();
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      const conflict = options.isConflict?.(error) ?? false;
      if ((!error.retryable && !conflict) || attempt + 1 >= options.retry.attempts) throw error;
      options.log?.warn(
        { provider: options.provider, attempt, status: error.status },
        `${options.provider} create did not answer clearly (${error.message}); looking for the machine before trying again`,
      );
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt, options.retry)));
    }
  }
}
