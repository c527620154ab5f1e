// The route table is read from each procedure module's `meta`; tRPC keeps its own copy of the
// procedure. This test (the one place allowed to look at tRPC's internal `_def`) proves the two
// agree, so the /api fast path, the OpenAPI document and the typed client describe the same thing.
import type { AnyTRPCProcedure } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { appRouter, procedures } from '../src/app.ts';
import { routes } from '../src/routes.ts';

const tRPCProcedures = appRouter._def.procedures as unknown as Record<string, AnyTRPCProcedure>;

describe('route table', () => {
  it('has one route per procedure of the router, and no other', () => {
    expect([...routes.keys()].sort()).toEqual(Object.keys(tRPCProcedures).sort());
  });

  for (const [router, modules] of Object.entries(procedures)) {
    for (const [name, module] of Object.entries(modules)) {
      const path = `${router}.${name}`;
      it(`${path}: its meta, type, input and result are the procedure's own`, () => {
        const def = tRPCProcedures[path]?._def as unknown as {
          type: string;
          meta: unknown;
          inputs: unknown[];
          output?: unknown;
        };
        const route = routes.get(path);
        expect(def.meta).toBe(module.meta);
        expect(route?.type).toBe(def.type);
        expect(route?.input).toBe(def.inputs.at(-1));
        // Enforced with `.output()`, or (cluster.all) documented only.
        if (def.output !== undefined) expect(route?.output).toBe(def.output);
        if (route?.type !== 'subscription') expect(route?.output).toBeDefined();
      });
    }
  }
});
