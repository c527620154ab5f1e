import { TRPCError } from '@trpc/server';
import type { Meta } from '../../trpc.ts';
import { credentialProcedure } from './access.ts';
import {
  providerRemoveCredentialsInput,
  providerRemoveCredentialsOutput,
} from './removeCredentials.schema.ts';

export const meta = {
  summary: 'Delete cloud credentials that no cluster uses',
  http: { method: 'DELETE', status: 204 },
  input: providerRemoveCredentialsInput,
  output: providerRemoveCredentialsOutput,
} satisfies Meta;

export const procedure = credentialProcedure(providerRemoveCredentialsInput)
  .meta(meta)
  .output(providerRemoveCredentialsOutput)
  .mutation(async ({ ctx }) => {
    const { credential } = ctx;
    if (credential._count.clusters > 0) {
      throw new TRPCError({
        code: 'CONFLICT',
        message: `These credentials are used by ${credential._count.clusters} cluster(s); delete them first`,
      });
    }
    await ctx.db.providerCredential.delete({ where: { id: credential.id } });
  });
