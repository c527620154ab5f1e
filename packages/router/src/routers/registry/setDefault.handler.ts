import type { Meta } from '../../trpc.ts';
import { registryProcedure } from './access.ts';
import { registryOut, registrySelect } from './rows.ts';
import { registrySetDefaultInput, registrySetDefaultOutput } from './setDefault.schema.ts';

export const meta = {
  summary: "Make a registry the organization's default (builds push there when an app names none)",
  http: { method: 'POST' },
  input: registrySetDefaultInput,
  output: registrySetDefaultOutput,
} satisfies Meta;

export const procedure = registryProcedure(registrySetDefaultInput)
  .meta(meta)
  .output(registrySetDefaultOutput)
  .mutation(async ({ ctx }) => {
    const registry = ctx.registry;
    await ctx.db.organization.update({
      where: { id: registry.organizationId },
      data: { defaultRegistryId: registry.id },
    });
    ctx.audit.details = `Default registry: ${registry.server}`;
    const row = await ctx.db.registry.findUniqueOrThrow({
      where: { id: registry.id },
      select: registrySelect,
    });
    return registryOut(row);
  });
