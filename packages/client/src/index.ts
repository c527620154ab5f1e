// The typed client for Flotilla's API: every procedure of @flotilla/router with its input and
// output types, batched over HTTP, subscriptions over server-sent events.
import type { AppRouter } from '@flotilla/router';
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  TRPCClientError,
} from '@trpc/client';
import { EventSource } from 'eventsource';

export interface FlotillaClientOptions {
  /** Where the API listens, e.g. `http://127.0.0.1:3000` (the client adds `/trpc`). */
  url: string;
  /** A session token (auth.login) or API token (token.create). */
  token?: string;
  /** For tests and unusual runtimes; the global fetch otherwise. */
  fetch?: typeof fetch;
}

export function createFlotillaClient({
  url,
  token,
  fetch: fetchImpl = fetch,
}: FlotillaClientOptions) {
  const endpoint = `${url.replace(/\/+$/, '')}/trpc`;
  const authorization: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url: endpoint,
          EventSource,
          // The header rides on the stream's own request; a token never goes into the URL.
          eventSourceOptions: {
            fetch: (input, init) =>
              fetchImpl(input, { ...init, headers: { ...init?.headers, ...authorization } }),
          },
        }),
        false: httpBatchLink({ url: endpoint, headers: () => authorization, fetch: fetchImpl }),
      }),
    ],
  });
}

export type FlotillaClient = ReturnType<typeof createFlotillaClient>;
export type { AppRouter };
export { TRPCClientError };
