import { TRPCError } from '@trpc/server';
import { clusterProcedure, type Meta } from '../../trpc.ts';
import { revokeAccessInput, revokeAccessOutput } from './revokeAccess.schema.ts';

export const meta = {
  summary: "Take a user's grant away",
  http: { method: 'DELETE', status: 204 },
  input: revokeAccessInput,
  output: revokeAccessOutput,
} satisfies Meta;

export const procedure = clusterProcedure('admin', revokeAccessInput)
  .meta(meta)
  .output(revokeAccessOutput)
  .mutation(async ({ ctx, input }) => {
    Object.assign(ctx.audit, { targetType: 'user', targetId: input.userId });
    const removed = await ctx.db.clusterAccess.deleteMany({
      where: { clusterId: ctx.cluster.id, userId: input.userId },
    });
    if (removed.count === 0) throw new TRPCError({ code: 'NOT_FOUND', message: 'Grant not found' });
  });
