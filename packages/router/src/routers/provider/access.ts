import { TRPCError } from '@trpc/server';
import type { z } from 'zod';
import { requireOrgAdmin } from '../../access.ts';
import { authedProcedure } from '../../trpc.ts';
import { credentialSelect } from './rows.ts';

/**
 * A procedure on stored credentials (its `input` names them by `providerCredentialId`): only
 * the owners and admins of their organization (404 for anyone else), checked after the input is
 * validated; the row is on `ctx.credential`.
 */
export function credentialProcedure<I extends z.ZodType<{ providerCredentialId: string }>>(
  input: I,
) {
  return authedProcedure.input(input).use(async ({ ctx, input, next }) => {
    const { providerCredentialId: id } = input as { providerCredentialId: string };
    Object.assign(ctx.audit, { targetType: 'providerCredential', targetId: id });
    const credential = await ctx.db.providerCredential.findUnique({
      where: { id },
      select: credentialSelect,
    });
    if (!credential) {
      throw new TRPCError({ code: 'NOT_FOUND', message: 'Provider credential not found' });
    }
    await requireOrgAdmin(ctx, credential.organizationId);
    return next({ ctx: { credential } });
  });
}
