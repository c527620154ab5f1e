import { authedProcedure, type Meta } from '../../trpc.ts';
import { meOutput } from './me.schema.ts';
import { userOut } from './sessions.ts';

export const meta = {
  summary: 'The caller and their organizations',
  http: { method: 'GET' },
  output: meOutput,
} satisfies Meta;

export const procedure = authedProcedure
  .meta(meta)
  .output(meOutput)
  .query(async ({ ctx }) => {
    const user = await ctx.db.user.findUniqueOrThrow({
      where: { id: ctx.principal.userId },
      include: {
        memberships: { include: { organization: true }, orderBy: { createdAt: 'asc' } },
      },
    });
    return {
      ...userOut(user),
      instanceAdmin: user.instanceAdmin,
      organizations: user.memberships.map((m) => ({
        id: m.organization.id,
        name: m.organization.name,
        slug: m.organization.slug,
        role: m.role,
      })),
    };
  });
