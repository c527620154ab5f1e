import { isUniqueViolation } from '@flotilla/db';
import { registryPasswordContext } from '@flotilla/secrets';
import { conflict, fieldError } from '../../errors.ts';
import type { Meta } from '../../trpc.ts';
import { registryProcedure } from './access.ts';
import { normalizeCaCert } from './ca.ts';
import { registryOut, registrySelect } from './rows.ts';
import { registryUpdateInput, registryUpdateOutput } from './update.schema.ts';

export const meta = {
  summary:
    "Change a registry's name, credentials or CA (the password sealed at rest, never returned; null clears a field)",
  http: { method: 'PATCH' },
  input: registryUpdateInput,
  output: registryUpdateOutput,
} satisfies Meta;

export const procedure = registryProcedure(registryUpdateInput)
  .meta(meta)
  .output(registryUpdateOutput)
  .mutation(async ({ ctx, input }) => {
    const registry = ctx.registry;
    const username = input.username === undefined ? registry.username : input.username;
    const hasPassword =
      input.password === undefined ? registry.passwordEncrypted !== null : input.password !== null;
    if (hasPassword && !username) throw fieldError('username', 'is required with a password');
    const caCert =
      input.caCert === undefined || input.caCert === null
        ? input.caCert
        : normalizeCaCert(input.caCert);
    const changed = (['name', 'username', 'password', 'caCert'] as const).filter(
      (field) => input[field] !== undefined,
    );
    // The last test was of other credentials or another CA: it no longer says anything.
    const retest = changed.some((field) => field !== 'name');
    ctx.audit.details = `Updated registry ${registry.server}: ${changed.join(', ') || 'nothing'}`;
    try {
      await ctx.db.registry.update({
        where: { id: registry.id },
        data: {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.username !== undefined ? { username: input.username } : {}),
          ...(input.password !== undefined
            ? {
                passwordEncrypted:
                  input.password === null
                    ? null
                    : ctx.sealer.seal(input.password, registryPasswordContext(registry.id)),
              }
            : {}),
          ...(caCert !== undefined ? { caCert } : {}),
          ...(retest ? { lastTestedAt: null, lastTestError: null } : {}),
        },
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw conflict(`A registry named "${input.name}" exists in this organization`);
      }
      throw error;
    }
    const row = await ctx.db.registry.findUniqueOrThrow({
      where: { id: registry.id },
      select: registrySelect,
    });
    return registryOut(row);
  });
