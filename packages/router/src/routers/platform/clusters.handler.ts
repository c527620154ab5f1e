import type { Prisma } from '@flotilla/db';
import { visibleClusters } from '../../access.ts';
import { nameSearch, setTotalCount, sortedPage } from '../../paging.ts';
import { authedProcedure, type Meta } from '../../trpc.ts';
import { platformClustersInput, platformClustersOutput } from './clusters.schema.ts';
import { platformClusterOut } from './rows.ts';

export const meta = {
  summary:
    'Clusters as the platform page shows them: type (managed, self_managed), node count and the tasks running on their servers (total in X-Total-Count)',
  http: { method: 'GET' },
  input: platformClustersInput,
  output: platformClustersOutput,
} satisfies Meta;

export const procedure = authedProcedure
  .meta(meta)
  .input(platformClustersInput)
  .output(platformClustersOutput)
  .query(async ({ ctx, input }) => {
    const where: Prisma.ClusterWhereInput = {
      ...(input.organizationId ? { organizationId: input.organizationId } : {}),
      ...(input.status ? { status: input.status } : {}),
      ...nameSearch(input.search),
      ...visibleClusters(ctx.principal.userId),
    };
    const [total, rows] = await Promise.all([
      ctx.db.cluster.count({ where }),
      ctx.db.cluster.findMany({
        where,
        ...sortedPage(input),
        include: { _count: { select: { nodes: true } } },
      }),
    ]);
    const running = await ctx.runningTasks.count(rows);
    setTotalCount(ctx, total);
    return rows.map((row) =>
      platformClusterOut(row, row._count.nodes, running.get(row.id) ?? null),
    );
  });
