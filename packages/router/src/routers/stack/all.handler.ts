import type { Prisma } from '@flotilla/db';
import { visibleInOrganization } from '../../access.ts';
import { nameSearch, setTotalCount, sortedPage } from '../../paging.ts';
import { authedProcedure, type Meta } from '../../trpc.ts';
import { organizationOf } from '../app/placement.ts';
import { stackAllInput, stackAllOutput } from './all.schema.ts';
import { peopleOf, stackOut, stackSelect } from './rows.ts';

export const meta = {
  summary:
    "The organization's stacks the caller may see, on every cluster or one (total in X-Total-Count)",
  http: { method: 'GET' },
  input: stackAllInput,
  output: stackAllOutput,
} satisfies Meta;

export const procedure = authedProcedure
  .meta(meta)
  .input(stackAllInput)
  .output(stackAllOutput)
  .query(async ({ ctx, input }) => {
    const organizationId = await organizationOf(ctx, input.organizationId);
    const visible = await visibleInOrganization(ctx, organizationId);
    const where: Prisma.StackWhereInput = {
      ...visible.where,
      ...(input.projectId ? { projectId: input.projectId } : {}),
      ...(input.clusterId ? { clusterId: input.clusterId } : {}),
      ...(input.status ? { status: input.status } : {}),
      ...nameSearch(input.search),
    };
    const [total, rows] = await Promise.all([
      ctx.db.stack.count({ where }),
      ctx.db.stack.findMany({ where, select: stackSelect, ...sortedPage(input) }),
    ]);
    await visible.requireSome(total);
    setTotalCount(ctx, total);
    const people = await peopleOf(
      ctx.db,
      rows.map((row) => row.runs[0]?.createdById ?? null),
    );
    return rows.map((row) => stackOut(ctx.sealer, row, people));
  });
