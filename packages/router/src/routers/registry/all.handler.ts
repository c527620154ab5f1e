import { type Meta, organizationProcedure } from '../../trpc.ts';
import { registryAllInput, registryAllOutput } from './all.schema.ts';
import { registryOut, registrySelect } from './rows.ts';

export const meta = {
  summary: "The organization's container registries (never their passwords)",
  http: { method: 'GET' },
  input: registryAllInput,
  output: registryAllOutput,
} satisfies Meta;

export const procedure = organizationProcedure('member', registryAllInput)
  .meta(meta)
  .output(registryAllOutput)
  .query(async ({ ctx, input }) => {
    const rows = await ctx.db.registry.findMany({
      where: { organizationId: input.organizationId },
      select: registrySelect,
      orderBy: { name: 'asc' },
    });
    return rows.map(registryOut);
  });
