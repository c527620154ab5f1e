import { TRPCError } from '@trpc/server';
import { instanceSessionProcedure, type Meta } from '../../trpc.ts';
import { userOut } from '../auth/sessions.ts';
import { adminGrantInput, adminGrantOutput } from './grant.schema.ts';

export const meta = {
  summary: 'Make a user an instance administrator',
  http: { method: 'POST' },
  input: adminGrantInput,
  output: adminGrantOutput,
} satisfies Meta;

export const procedure = instanceSessionProcedure
  .meta(meta)
  .input(adminGrantInput)
  .output(adminGrantOutput)
  .mutation(async ({ ctx, input }) => {
    const user = await ctx.db.user.findFirst({
      where: input.userId ? { id: input.userId } : { email: input.email as string },
    });
    if (!user) throw new TRPCError({ code: 'NOT_FOUND', message: 'User not found' });
    Object.assign(ctx.audit, { targetType: 'user', targetId: user.id });
    await ctx.db.user.update({ where: { id: user.id }, data: { instanceAdmin: true } });
    return userOut(user);
  });
