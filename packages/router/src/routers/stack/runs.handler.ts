import { pageWindow, setTotalCount } from '../../paging.ts';
import type { Meta } from '../../trpc.ts';
import { stackProcedure } from './access.ts';
import { peopleOf, runOut, runSelect } from './rows.ts';
import { stackRunsInput, stackRunsOutput } from './runs.schema.ts';

export const meta = {
  summary:
    "A stack's runs, newest first, each with its outcome per service (total in X-Total-Count)",
  http: { method: 'GET' },
  input: stackRunsInput,
  output: stackRunsOutput,
} satisfies Meta;

export const procedure = stackProcedure('view', stackRunsInput)
  .meta(meta)
  .output(stackRunsOutput)
  .query(async ({ ctx, input }) => {
    const where = { stackId: ctx.stack.id };
    const [total, rows] = await Promise.all([
      ctx.db.stackRun.count({ where }),
      ctx.db.stackRun.findMany({
        where,
        select: runSelect,
        orderBy: { ordinal: 'desc' },
        ...pageWindow(input),
      }),
    ]);
    setTotalCount(ctx, total);
    const people = await peopleOf(
      ctx.db,
      rows.map((row) => row.createdById),
    );
    return rows.map((row) => runOut(row, people));
  });
