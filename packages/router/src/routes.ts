// The plain-HTTP view of the router: one route per procedure, read from the procedures' meta,
// so the router stays the single source of truth for paths, methods and status codes.
import type { AnyProcedure } from '@trpc/server';
import type { z } from 'zod';
import { appRouter } from './app.ts';
import type { HttpMethod, Meta } from './trpc.ts';

export interface Route {
  path: string;
  type: 'query' | 'mutation' | 'subscription';
  method: HttpMethod;
  status: 200 | 201 | 204;
  summary: string;
  /** Needs `Authorization: Bearer`. */
  auth: boolean;
  input: z.ZodType | undefined;
  output: z.ZodType | undefined;
}

function describe(path: string, procedure: AnyProcedure): Route {
  const def = procedure._def as unknown as {
    type: Route['type'];
    meta?: Meta;
    inputs: unknown[];
    output?: unknown;
  };
  if (!def.meta?.http) throw new Error(`procedure ${path} has no http meta`);
  return {
    path,
    type: def.type,
    method: def.meta.http.method,
    status: def.meta.http.status ?? 200,
    summary: def.meta.summary,
    auth: !def.meta.public,
    input: def.inputs[0] as z.ZodType | undefined,
    output: (def.output ?? def.meta.documentedOutput) as z.ZodType | undefined,
  };
}

export const routes: ReadonlyMap<string, Route> = new Map(
  Object.entries(appRouter._def.procedures as unknown as Record<string, AnyProcedure>).map(
    ([path, procedure]) => [path, describe(path, procedure)],
  ),
);
