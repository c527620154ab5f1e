import { instanceSessionProcedure, type Meta } from '../../trpc.ts';
import { userOut } from '../auth/sessions.ts';
import { adminListOutput } from './list.schema.ts';

export const meta = {
  summary: "The instance's administrators",
  http: { method: 'GET' },
  output: adminListOutput,
} satisfies Meta;

export const procedure = instanceSessionProcedure
  .meta(meta)
  .output(adminListOutput)
  .query(async ({ ctx }) => {
    const users = await ctx.db.user.findMany({
      where: { instanceAdmin: true },
      orderBy: { createdAt: 'asc' },
    });
    return users.map(userOut);
  });
