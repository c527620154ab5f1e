import { pageWindow, setTotalCount } from '../../paging.ts';
import type { Meta } from '../../trpc.ts';
import { stackProcedure } from './access.ts';
import { peopleOf } from './rows.ts';
import { stackVersionsInput, stackVersionsOutput } from './versions.schema.ts';

export const meta = {
  summary: "A stack's versions, newest first (total in X-Total-Count)",
  http: { method: 'GET' },
  input: stackVersionsInput,
  output: stackVersionsOutput,
} satisfies Meta;

export const procedure = stackProcedure('view', stackVersionsInput)
  .meta(meta)
  .output(stackVersionsOutput)
  .query(async ({ ctx, input }) => {
    const where = { stackId: ctx.stack.id };
    const [total, rows] = await Promise.all([
      ctx.db.stackVersion.count({ where }),
      ctx.db.stackVersion.findMany({
        where,
        orderBy: { ordinal: 'desc' },
        ...pageWindow(input),
        select: {
          id: true,
          ordinal: true,
          digest: true,
          services: true,
          variableNames: true,
          createdById: true,
          createdAt: true,
        },
      }),
    ]);
    setTotalCount(ctx, total);
    const people = await peopleOf(
      ctx.db,
      rows.map((row) => row.createdById),
    );
    return rows.map((row) => ({
      id: row.id,
      version: row.ordinal,
      digest: row.digest,
      services: row.services,
      variableNames: row.variableNames,
      current: row.id === ctx.stack.currentVersionId,
      createdBy: row.createdById ? (people.get(row.createdById) ?? null) : null,
      createdAt: row.createdAt.toISOString(),
    }));
  });
