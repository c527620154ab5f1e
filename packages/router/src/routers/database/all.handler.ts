import type { Prisma } from '@flotilla/db';
import { visibleInOrganization } from '../../access.ts';
import { nameSearch, setTotalCount, sortedPage } from '../../paging.ts';
import { authedProcedure, type Meta } from '../../trpc.ts';
import { organizationOf } from '../app/placement.ts';
import { databaseAllInput, databaseAllOutput } from './all.schema.ts';
import { databaseOut, databaseSelect } from './rows.ts';

export const meta = {
  summary:
    "The organization's managed databases the caller may see, on every cluster or one (total in X-Total-Count)",
  http: { method: 'GET' },
  input: databaseAllInput,
  output: databaseAllOutput,
} satisfies Meta;

export const procedure = authedProcedure
  .meta(meta)
  .input(databaseAllInput)
  .output(databaseAllOutput)
  .query(async ({ ctx, input }) => {
    const organizationId = await organizationOf(ctx, input.organizationId);
    const visible = await visibleInOrganization(ctx, organizationId);
    const where: Prisma.ManagedDatabaseWhereInput = {
      ...visible.where,
      ...(input.projectId ? { projectId: input.projectId } : {}),
      ...(input.clusterId ? { clusterId: input.clusterId } : {}),
      ...(input.engine ? { engine: input.engine } : {}),
      ...(input.status ? { status: input.status } : {}),
      ...nameSearch(input.search),
    };
    const [total, rows] = await Promise.all([
      ctx.db.managedDatabase.count({ where }),
      ctx.db.managedDatabase.findMany({ where, select: databaseSelect, ...sortedPage(input) }),
    ]);
    await visible.requireSome(total);
    setTotalCount(ctx, total);
    return rows.map(databaseOut);
  });
