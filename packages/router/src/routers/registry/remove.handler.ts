import type { Meta } from '../../trpc.ts';
import { registryProcedure } from './access.ts';
import { registryRemoveInput, registryRemoveOutput } from './remove.schema.ts';

export const meta = {
  summary: 'Forget a registry (apps that named it fall back to the default one)',
  http: { method: 'DELETE', status: 204 },
  input: registryRemoveInput,
  output: registryRemoveOutput,
} satisfies Meta;

export const procedure = registryProcedure(registryRemoveInput)
  .meta(meta)
  .output(registryRemoveOutput)
  .mutation(async ({ ctx }) => {
    ctx.audit.details = `Removed registry ${ctx.registry.server}`;
    await ctx.db.registry.deleteMany({ where: { id: ctx.registry.id } });
  });
