import { pageWindow, setTotalCount } from '../../paging.ts';
import type { Meta } from '../../trpc.ts';
import { appProcedure } from './access.ts';
import { appDeploymentsInput, appDeploymentsOutput } from './deployments.schema.ts';
import { deploymentOut, deploymentSelect, peopleOf } from './rows.ts';

export const meta = {
  summary: "The app's deployments, newest first: who, when, what image, and how each ended",
  http: { method: 'GET' },
  input: appDeploymentsInput,
  output: appDeploymentsOutput,
} satisfies Meta;

export const procedure = appProcedure('view', appDeploymentsInput)
  .meta(meta)
  .output(appDeploymentsOutput)
  .query(async ({ ctx, input }) => {
    const where = { appId: ctx.app.id, ...(input.status ? { status: input.status } : {}) };
    const [total, rows] = await Promise.all([
      ctx.db.deployment.count({ where }),
      ctx.db.deployment.findMany({
        where,
        select: deploymentSelect,
        orderBy: { ordinal: 'desc' },
        ...pageWindow(input),
      }),
    ]);
    setTotalCount(ctx, total);
    const people = await peopleOf(
      ctx.db,
      rows.map((row) => row.createdById),
    );
    return rows.map((row) => deploymentOut(row, people));
  });
