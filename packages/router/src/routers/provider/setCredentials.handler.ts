import { isUniqueViolation, newId } from '@flotilla/db';
import { sealProviderCredentials } from '@flotilla/providers/credentials';
import { TRPCError } from '@trpc/server';
import { type Meta, organizationProcedure } from '../../trpc.ts';
import { credentialOut, credentialSelect } from './rows.ts';
import {
  providerSetCredentialsInput,
  providerSetCredentialsOutput,
} from './setCredentials.schema.ts';

export const meta = {
  summary:
    'Store (or replace, by provider and name) cloud credentials, encrypted at rest and never returned',
  http: { method: 'POST' },
  input: providerSetCredentialsInput,
  output: providerSetCredentialsOutput,
} satisfies Meta;

export const procedure = organizationProcedure('admin', providerSetCredentialsInput)
  .meta(meta)
  .output(providerSetCredentialsOutput)
  .mutation(async ({ ctx, input }) => {
    const defaultRegion = input.provider === 'aws' ? input.credentials.region : null;
    const existing = await ctx.db.providerCredential.findUnique({
      where: {
        organizationId_provider_name: {
          organizationId: input.organizationId,
          provider: input.provider,
          name: input.name,
        },
      },
      select: { id: true },
    });
    // Replacing keeps the id (clusters refer to it); the envelope is sealed for that id.
    const id = existing?.id ?? newId('pcred');
    Object.assign(ctx.audit, { targetType: 'providerCredential', targetId: id });
    const secretEncrypted = sealProviderCredentials(ctx.sealer, id, input);
    const row = existing
      ? await ctx.db.providerCredential.update({
          where: { id },
          data: { secretEncrypted, defaultRegion },
          select: credentialSelect,
        })
      : await ctx.db.providerCredential
          .create({
            data: {
              id,
              organizationId: input.organizationId,
              provider: input.provider,
              name: input.name,
              secretEncrypted,
              defaultRegion,
              createdById: ctx.principal.userId,
            },
            select: credentialSelect,
          })
          .catch((error: unknown) => {
            if (isUniqueViolation(error)) {
              throw new TRPCError({
                code: 'CONFLICT',
                message: `${input.provider} credentials named "${input.name}" were stored at the same moment; try again`,
              });
            }
            throw error;
          });
    return credentialOut(ctx, row);
  });
