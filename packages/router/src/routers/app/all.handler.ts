import type { Prisma } from '@flotilla/db';
import { visibleInOrganization } from '../../access.ts';
import { nameSearch, setTotalCount, sortedPage } from '../../paging.ts';
import { authedProcedure, type Meta } from '../../trpc.ts';
import { appAllInput, appAllOutput } from './all.schema.ts';
import { organizationOf } from './placement.ts';
import { appOut, appSelect } from './rows.ts';
import { openSecretEnv } from './secrets.ts';

export const meta = {
  summary:
    "The organization's apps the caller may see, on every cluster or one (total in X-Total-Count)",
  http: { method: 'GET' },
  input: appAllInput,
  output: appAllOutput,
} satisfies Meta;

export const procedure = authedProcedure
  .meta(meta)
  .input(appAllInput)
  .output(appAllOutput)
  .query(async ({ ctx, input }) => {
    const organizationId = await organizationOf(ctx, input.organizationId);
    const visible = await visibleInOrganization(ctx, organizationId);
    const where: Prisma.AppWhereInput = {
      ...visible.where,
      ...(input.projectId ? { projectId: input.projectId } : {}),
      ...(input.clusterId ? { clusterId: input.clusterId } : {}),
      ...(input.status ? { status: input.status } : {}),
      ...nameSearch(input.search),
    };
    const [total, rows] = await Promise.all([
      ctx.db.app.count({ where }),
      ctx.db.app.findMany({ where, select: appSelect, ...sortedPage(input) }),
    ]);
    await visible.requireSome(total);
    setTotalCount(ctx, total);
    return rows.map((row) =>
      appOut(row, Object.keys(openSecretEnv(ctx.sealer, row.id, row.secretEnvEncrypted)).sort()),
    );
  });
