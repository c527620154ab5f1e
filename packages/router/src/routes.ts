// The plain-HTTP view of the router: one route per procedure, read from each procedure module's
// `meta` (never from tRPC's internals), so the router stays the single source of truth for
// paths, methods, status codes and idempotency. The /api fast path, the OpenAPI document and
// /api/docs all read this table.
import type { z } from 'zod';
import { procedures } from './app.ts';
import type { HttpMethod, Meta } from './trpc.ts';

export interface Route {
  /** The procedure's dotted path, `cluster.addNode`: served at `/api/cluster.addNode`. */
  path: string;
  type: 'query' | 'mutation' | 'subscription';
  method: HttpMethod;
  status: 200 | 201 | 204;
  summary: string;
  /** Needs `Authorization: Bearer`. */
  auth: boolean;
  /** Honours `Idempotency-Key`. */
  idempotent: boolean;
  input: z.ZodType | undefined;
  output: z.ZodType | undefined;
  /** The input field that receives an uploaded file (multipart), if the procedure takes one. */
  upload: string | undefined;
}

function describe(path: string, meta: Meta): Route {
  return {
    path,
    // Reads are GET, everything else changes something; SSE streams are subscriptions.
    type: meta.http.sse ? 'subscription' : meta.http.method === 'GET' ? 'query' : 'mutation',
    method: meta.http.method,
    status: meta.http.status ?? 200,
    summary: meta.summary,
    auth: !meta.public,
    idempotent: meta.http.idempotent ?? false,
    input: meta.input,
    output: meta.output,
    upload: meta.http.upload?.field,
  };
}

/** Every procedure's route, by its dotted path. */
export const routes: ReadonlyMap<string, Route> = new Map(
  Object.entries(procedures).flatMap(([router, modules]) =>
    Object.entries(modules).map(([name, module]): [string, Route] => {
      const path = `${router}.${name}`;
      return [path, describe(path, module.meta)];
    }),
  ),
);
