// The typed API client: every procedure, input and output comes from the server's AppRouter.
import type { AppRouter } from '@flotilla/router';
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  isTRPCClientError,
  splitLink,
} from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { AuthorizedEventSource } from './event-source.ts';
import { getToken } from './session.ts';

export type Outputs = inferRouterOutputs<AppRouter>;
export type Inputs = inferRouterInputs<AppRouter>;

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

function authorization(): Record<string, string> {
  const token = getToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

export function createApiClient(url = '/trpc') {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url,
          EventSource: AuthorizedEventSource,
          eventSourceOptions: () => ({ headers: authorization() }),
        }),
        false: httpBatchLink({
          url,
          headers: authorization,
        }),
      }),
    ],
  });
}

/** The tRPC error code of a failed call (UNAUTHORIZED, NOT_FOUND, …), if it came from the API. */
export function errorCode(error: unknown): string | undefined {
  return isTRPCClientError<AppRouter>(error) ? error.data?.code : undefined;
}

/** Field path → message for the API's own validation errors (`data.issues`). */
export function apiFieldErrors(error: unknown): Record<string, string> {
  if (!isTRPCClientError<AppRouter>(error)) return {};
  const issues = (error.data as { issues?: { path: string; message: string }[] | null } | undefined)
    ?.issues;
  const errors: Record<string, string> = {};
  for (const issue of issues ?? []) errors[issue.path] ??= issue.message;
  return errors;
}

/** The API's field issues with their line in an uploaded file (compose files), in order. */
export function apiIssues(error: unknown): { path: string; message: string; line?: number }[] {
  if (!isTRPCClientError<AppRouter>(error)) return [];
  const data = error.data as
    | { issues?: { path: string; message: string; line?: number }[] | null }
    | undefined;
  return data?.issues ?? [];
}
