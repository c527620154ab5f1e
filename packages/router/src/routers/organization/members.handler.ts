import { pageWindow } from '../../paging.ts';
import { type Meta, organizationProcedure } from '../../trpc.ts';
import { membersInput, membersOutput } from './members.schema.ts';

export const meta = {
  summary: 'Members of an organization and their roles',
  http: { method: 'GET' },
  input: membersInput,
  output: membersOutput,
} satisfies Meta;

export const procedure = organizationProcedure('member', membersInput)
  .meta(meta)
  .output(membersOutput)
  .query(async ({ ctx, input }) => {
    const search = input.search
      ? {
          user: {
            OR: [
              { email: { contains: input.search, mode: 'insensitive' as const } },
              { name: { contains: input.search, mode: 'insensitive' as const } },
            ],
          },
        }
      : {};
    const where = { organizationId: input.organizationId, ...search };
    const orderBy =
      input.sort === 'createdAt'
        ? [{ createdAt: input.order }, { id: input.order }]
        : [{ user: { [input.sort]: input.order } }, { id: input.order }];
    const [rows, total] = await Promise.all([
      ctx.db.membership.findMany({
        where,
        include: { user: true },
        orderBy,
        ...pageWindow(input),
      }),
      ctx.db.membership.count({ where }),
    ]);
    return {
      items: rows.map((m) => ({
        userId: m.userId,
        email: m.user.email,
        name: m.user.name,
        role: m.role,
        joinedAt: m.createdAt.toISOString(),
      })),
      total,
      page: input.page,
      limit: input.limit,
    };
  });
