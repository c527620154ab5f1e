import { newId } from '@flotilla/db';
import { TRPCError } from '@trpc/server';
import { clusterProcedure, type Meta } from '../../trpc.ts';
import { grantAccessInput, grantAccessOutput } from './grantAccess.schema.ts';

export const meta = {
  summary: 'Give a user view or manage permission on the cluster',
  http: { method: 'POST' },
  input: grantAccessInput,
  output: grantAccessOutput,
} satisfies Meta;

export const procedure = clusterProcedure('admin', grantAccessInput)
  .meta(meta)
  .output(grantAccessOutput)
  .mutation(async ({ ctx, input }) => {
    const { cluster } = ctx;
    const user = await ctx.db.user.findFirst({
      where: input.userId ? { id: input.userId } : { email: (input.email as string).toLowerCase() },
    });
    if (!user) throw new TRPCError({ code: 'NOT_FOUND', message: 'User not found' });
    Object.assign(ctx.audit, { targetType: 'user', targetId: user.id });
    const row = await ctx.db.clusterAccess.upsert({
      where: { clusterId_userId: { clusterId: cluster.id, userId: user.id } },
      create: {
        id: newId('grant'),
        clusterId: cluster.id,
        userId: user.id,
        permission: input.permission,
        grantedById: ctx.principal.userId,
      },
      update: { permission: input.permission, grantedById: ctx.principal.userId },
    });
    return {
      userId: user.id,
      email: user.email,
      name: user.name,
      permission: row.permission,
      createdAt: row.createdAt.toISOString(),
    };
  });
