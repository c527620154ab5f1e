import { authedProcedure, type Meta } from '../../trpc.ts';
import { organizationAllOutput } from './all.schema.ts';
import { organizationOut } from './rows.ts';

export const meta = {
  summary: 'Organizations the caller belongs to',
  http: { method: 'GET' },
  output: organizationAllOutput,
} satisfies Meta;

export const procedure = authedProcedure
  .meta(meta)
  .output(organizationAllOutput)
  .query(async ({ ctx }) => {
    const memberships = await ctx.db.membership.findMany({
      where: { userId: ctx.principal.userId },
      include: { organization: true },
      orderBy: { createdAt: 'asc' },
    });
    return memberships.map((m) => organizationOut(m.organization, m.role));
  });
