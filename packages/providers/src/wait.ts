import type { Server } from './client.ts';
import { ProviderError } from './errors.ts';

/** Polls until the machine runs with a public address; a vanished machine is an error at once. */
export async function pollUntilRunning(
  provider: string,
  getServer: (id: string) => Promise<Server>,
  id: string,
  options: { timeoutMs: number; intervalMs: number },
): Promise<Server> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const server = await getServer(id);
    if (server.status === 'running' && server.publicIpv4) return server;
    if (server.status === 'gone') {
      throw new ProviderError({
        provider,
        code: 'server_gone',
        message: `${provider} machine ${id} disappeared while Flotilla waited for it to start`,
        retryable: false,
      });
    }
    if (Date.now() + options.intervalMs > deadline) {
      throw new ProviderError({
        provider,
        code: 'server_not_ready',
        message: `${provider} machine ${id} was not running with a public address after ${options.timeoutMs} ms (last status: ${server.status})`,
        retryable: false,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
}
