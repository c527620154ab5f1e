import type { Prisma } from '@flotilla/db';
import type { z } from 'zod';
import { notFound, requireOnCluster } from '../../access.ts';
import { authedProcedure } from '../../trpc.ts';

export const stackAccessSelect = {
  id: true,
  organizationId: true,
  projectId: true,
  clusterId: true,
  name: true,
  stackName: true,
  status: true,
  currentVersionId: true,
  removeRequestedAt: true,
} satisfies Prisma.StackSelect;

export type StackAccessRow = Prisma.StackGetPayload<{ select: typeof stackAccessSelect }>;

/**
 * A procedure on one stack (its `input` names it by `stackId`): the stack's cluster decides,
 * `view` reads and `manage` changes (access.ts has the rules; 404 for a stack the caller may not
 * see), checked after the input is validated. The stack's row is on `ctx.stack`, its cluster on
 * `ctx.cluster`; the audit entry names the stack as its target.
 */
export function stackProcedure<I extends z.ZodType<{ stackId: string }>>(
  needs: 'view' | 'manage',
  input: I,
) {
  return authedProcedure.input(input).use(async ({ ctx, input, next }) => {
    const { stackId } = input as { stackId: string };
    Object.assign(ctx.audit, { targetType: 'stack', targetId: stackId });
    const stack = await ctx.db.stack.findUnique({
      where: { id: stackId },
      select: stackAccessSelect,
    });
    if (!stack) throw notFound('Stack');
    const access = await requireOnCluster(ctx, 'stack', stack.clusterId, needs);
    return next({ ctx: { stack, stackPermission: access.permission, cluster: access.cluster } });
  });
}
