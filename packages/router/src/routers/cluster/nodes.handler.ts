import type { Prisma } from '@flotilla/db';
import { requireCluster, visibleClusters } from '../../access.ts';
import { pageWindow, setTotalCount } from '../../paging.ts';
import { authedProcedure, type Meta } from '../../trpc.ts';
import { clusterNodesInput, clusterNodesOutput } from './nodes.schema.ts';
import { nodeOut } from './rows.ts';

export const meta = {
  summary:
    "The nodes of a cluster, or of every cluster the caller may see (total in X-Total-Count); each with the page's state (ready, not_ready, draining, down)",
  http: { method: 'GET' },
  input: clusterNodesInput,
  output: clusterNodesOutput,
} satisfies Meta;

export const procedure = authedProcedure
  .meta(meta)
  .input(clusterNodesInput)
  .output(clusterNodesOutput)
  .query(async ({ ctx, input }) => {
    let where: Prisma.NodeWhereInput;
    if (input.clusterId) {
      await requireCluster(ctx, input.clusterId, 'view');
      where = { clusterId: input.clusterId };
    } else {
      where = {
        cluster: {
          ...(input.organizationId ? { organizationId: input.organizationId } : {}),
          ...visibleClusters(ctx.principal.userId),
        },
      };
    }
    const [total, nodes] = await Promise.all([
      ctx.db.node.count({ where }),
      ctx.db.node.findMany({
        where,
        orderBy: [{ clusterId: 'asc' }, { ordinal: 'asc' }],
        ...pageWindow(input),
      }),
    ]);
    setTotalCount(ctx, total);
    return nodes.map(nodeOut);
  });
