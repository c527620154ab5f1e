// The typed endpoint for the dashboard and @flotilla/client: tRPC's own adapter (batching,
// SSE subscriptions) under /trpc, serving the same router as /api.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestMetrics } from '@flotilla/metrics';
import {
  appRouter,
  createContext,
  httpStatusOf,
  type RouterServices,
  routes,
} from '@flotilla/router';
import { nodeHTTPRequestHandler } from '@trpc/server/adapters/node-http';
import { maxBodyBytes, requestInfo } from './http.ts';

export async function serveTrpc(
  services: RouterServices,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  requests?: RequestMetrics,
): Promise<void> {
  const started = performance.now();
  // The status of each failed call of the request (a batch answers several).
  const failed = new Map<string, number>();
  await nodeHTTPRequestHandler({
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
      if (requests && procedure) failed.set(procedure, httpStatusOf(error));
    },
  });
  if (!requests) return;
  // Every call of a batch waited for the batch's answer: each is timed with the whole request.
  const seconds = (performance.now() - started) / 1000;
  for (const name of path.split(',')) {
    const route = routes.get(name);
    // A subscription's request lasts as long as its stream: not a response time.
    if (route?.type === 'subscription') continue;
    const status = failed.get(name) ?? (res.statusCode >= 400 ? res.statusCode : 200);
    requests.route('trpc', route ? name : 'unknown').observe(status, seconds);
  }
}
