import { TRPCError } from '@trpc/server';
import type { z } from 'zod';
import { pageLinks, setTotalCount } from '../../paging.ts';
import { authedProcedure, type Meta } from '../../trpc.ts';
import { clusterAllInput, clusterAllOutput } from './all.schema.ts';
import { listClusters } from './rows.ts';

export const meta = {
  summary: "The organization's clusters (total in X-Total-Count, pages in Link)",
  http: { method: 'GET' },
  input: clusterAllInput,
  output: clusterAllOutput,
} satisfies Meta;

function linkHeader(input: z.infer<typeof clusterAllInput>, total: number): string {
  // Only the page differs between the links: the rest is encoded once.
  const organization = new URLSearchParams({ organizationId: input.organizationId });
  const rest = new URLSearchParams({
    limit: String(input.limit),
    sort: input.sort,
    order: input.order,
    ...(input.search ? { search: input.search } : {}),
    ...(input.status ? { status: input.status } : {}),
  });
  return pageLinks(input, total, (page) => `/api/cluster.all?${organization}&page=${page}&${rest}`);
}

// The hottest read: membership and grants are checked in the page's own query (one round trip),
// and rows come from the typed mapper, so `meta.output` documents the result instead of
// re-validating every row of every page.
export const procedure = authedProcedure
  .meta(meta)
  .input(clusterAllInput)
  .query(async ({ ctx, input }) => {
    const page = await listClusters(ctx.sql, ctx.principal.userId, input);
    if (!page.role && page.total === 0) {
      throw new TRPCError({ code: 'NOT_FOUND', message: 'Organization not found' });
    }
    setTotalCount(ctx, page.total);
    ctx.resHeaders.link = linkHeader(input, page.total);
    return page.rows;
  });
