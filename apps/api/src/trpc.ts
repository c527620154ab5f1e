// The typed endpoint for the dashboard and @flotilla/client: tRPC's own adapter (batching,
// SSE subscriptions) under /trpc, serving the same router as /api.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { appRouter, createContext, type RouterServices } from '@flotilla/router';
import { nodeHTTPRequestHandler } from '@trpc/server/adapters/node-http';
import { maxBodyBytes, requestInfo } from './http.ts';

export function serveTrpc(
  services: RouterServices,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  return nodeHTTPRequestHandler({
    router: appRouter,
    req,
    res,
    path,
    maxBodySize: maxBodyBytes,
    // One HTTP request cannot fan out into an unbounded number of procedure calls.
    maxBatchSize: 50,
    createContext: () => createContext(services, requestInfo(req)),
    responseMeta: ({ ctx }) => ({ headers: ctx?.resHeaders ?? {} }),
    onError: ({ error, path: procedure }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') {
        services.log.error({ err: error.cause ?? error, path: procedure }, 'procedure failed');
      }
    },
  });
}
