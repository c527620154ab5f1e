import { type Meta, organizationProcedure } from '../../trpc.ts';
import {
  providerListCredentialsInput,
  providerListCredentialsOutput,
} from './listCredentials.schema.ts';
import { credentialOut, credentialSelect } from './rows.ts';

export const meta = {
  summary: "The organization's cloud credentials (name, provider, last characters; never secrets)",
  http: { method: 'GET' },
  input: providerListCredentialsInput,
  output: providerListCredentialsOutput,
} satisfies Meta;

export const procedure = organizationProcedure('admin', providerListCredentialsInput)
  .meta(meta)
  .output(providerListCredentialsOutput)
  .query(async ({ ctx, input }) => {
    const rows = await ctx.db.providerCredential.findMany({
      where: {
        organizationId: input.organizationId,
        ...(input.provider ? { provider: input.provider } : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      select: credentialSelect,
    });
    return rows.map((row) => credentialOut(ctx, row));
  });
