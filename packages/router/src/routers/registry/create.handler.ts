import { isUniqueViolation, newId } from '@flotilla/db';
import { NetworkPolicyError } from '@flotilla/network-policy';
import { registryPasswordContext } from '@flotilla/secrets';
import { conflict, fieldError } from '../../errors.ts';
import { type Meta, organizationProcedure } from '../../trpc.ts';
import { normalizeCaCert } from './ca.ts';
import { registryCreateInput, registryCreateOutput } from './create.schema.ts';
import { registryOut, registrySelect } from './rows.ts';

export const meta = {
  summary:
    "Store a container registry's credentials (password sealed at rest, never returned); builds push there, deploys pull with them",
  http: { method: 'POST', status: 201 },
  input: registryCreateInput,
  output: registryCreateOutput,
} satisfies Meta;

export const procedure = organizationProcedure('admin', registryCreateInput)
  .meta(meta)
  .output(registryCreateOutput)
  .mutation(async ({ ctx, input }) => {
    if (input.password && !input.username) {
      throw fieldError('username', 'is required with a password');
    }
    const caCert = input.caCert ? normalizeCaCert(input.caCert) : null;
    const host = input.server.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    try {
      await ctx.networkPolicy.checkHost(host, 'server');
    } catch (error) {
      if (error instanceof NetworkPolicyError && error.code === 'invalid') {
        throw fieldError('server', error.detail);
      }
      throw error;
    }
    const id = newId('reg');
    const name = input.name ?? input.server;
    Object.assign(ctx.audit, {
      targetType: 'registry',
      targetId: id,
      details: `Added registry ${input.server}`,
    });
    try {
      const row = await ctx.db.$transaction(async (tx) => {
        await tx.registry.create({
          data: {
            id,
            organizationId: input.organizationId,
            name,
            server: input.server,
            username: input.username ?? null,
            passwordEncrypted: input.password
              ? ctx.sealer.seal(input.password, registryPasswordContext(id))
              : null,
            caCert,
            createdById: ctx.principal.userId,
          },
        });
        if (input.makeDefault) {
          await tx.organization.update({
            where: { id: input.organizationId },
            data: { defaultRegistryId: id },
          });
        }
        return tx.registry.findUniqueOrThrow({ where: { id }, select: registrySelect });
      });
      return registryOut(row);
    } catch (error) {
      if (isUniqueViolation(error))
        throw conflict(`A registry named "${name}" exists in this organization`);
      throw error;
    }
  });
