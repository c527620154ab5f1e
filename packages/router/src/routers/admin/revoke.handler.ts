import { TRPCError } from '@trpc/server';
import { conflict } from '../../errors.ts';
import { instanceSessionProcedure, type Meta } from '../../trpc.ts';
import { adminRevokeInput, adminRevokeOutput } from './revoke.schema.ts';

export const meta = {
  summary: 'Take instance administration from a user (never from the last one)',
  http: { method: 'DELETE', status: 204 },
  input: adminRevokeInput,
  output: adminRevokeOutput,
} satisfies Meta;

export const procedure = instanceSessionProcedure
  .meta(meta)
  .input(adminRevokeInput)
  .output(adminRevokeOutput)
  .mutation(async ({ ctx, input }) => {
    Object.assign(ctx.audit, { targetType: 'user', targetId: input.userId });
    await ctx.db.$transaction(async (tx) => {
      // The administrators' rows locked: two revocations at once cannot leave none.
      const admins = await tx.$queryRaw<{ id: string }[]>`
        select id from "User" where "instanceAdmin" order by id for update`;
      if (!admins.some((admin) => admin.id === input.userId)) {
        const exists = await tx.user.count({ where: { id: input.userId } });
        throw new TRPCError({
          code: 'NOT_FOUND',
          message: exists ? 'That user is not an instance administrator' : 'User not found',
        });
      }
      if (admins.length === 1) {
        throw conflict('The last instance administrator cannot be revoked: grant another first');
      }
      await tx.user.update({ where: { id: input.userId }, data: { instanceAdmin: false } });
    });
  });
