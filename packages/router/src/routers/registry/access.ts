import { TRPCError } from '@trpc/server';
import type { z } from 'zod';
import { requireOrgAdmin } from '../../access.ts';
import { authedProcedure } from '../../trpc.ts';
import { registrySelect } from './rows.ts';

/**
 * A procedure on one stored registry (its `input` names it by `registryId`): the owners and
 * admins of its organization only (404 for anyone else); the row is on `ctx.registry`.
 */
export function registryProcedure<I extends z.ZodType<{ registryId: string }>>(input: I) {
  return authedProcedure.input(input).use(async ({ ctx, input, next }) => {
    const { registryId: id } = input as { registryId: string };
    Object.assign(ctx.audit, { targetType: 'registry', targetId: id });
    const registry = await ctx.db.registry.findUnique({ where: { id }, select: registrySelect });
    if (!registry) throw new TRPCError({ code: 'NOT_FOUND', message: 'Registry not found' });
    await requireOrgAdmin(ctx, registry.organizationId);
    return next({ ctx: { registry } });
  });
}
