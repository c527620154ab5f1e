import { TRPCError } from '@trpc/server';
import type { Meta } from '../../trpc.ts';
import { stackProcedure } from './access.ts';
import { peopleOf, runOut, runSelect } from './rows.ts';
import { stackRunInput, stackRunOutput } from './run.schema.ts';

export const meta = {
  summary: 'One run of a stack: its outcome per service and its log',
  http: { method: 'GET' },
  input: stackRunInput,
  output: stackRunOutput,
} satisfies Meta;

export const procedure = stackProcedure('view', stackRunInput)
  .meta(meta)
  .output(stackRunOutput)
  .query(async ({ ctx, input }) => {
    const row = await ctx.db.stackRun.findFirst({
      where: { id: input.runId, stackId: ctx.stack.id },
      select: runSelect,
    });
    if (!row)
      throw new TRPCError({ code: 'NOT_FOUND', message: 'runId: no such run of this stack' });
    const lines = await ctx.db.stackRunLog.findMany({
      where: {
        runId: row.id,
        ...(input.afterLogId ? { id: { gt: BigInt(input.afterLogId) } } : {}),
      },
      orderBy: { id: 'asc' },
      take: input.limit,
    });
    return {
      ...runOut(row, await peopleOf(ctx.db, [row.createdById])),
      log: lines.map((line) => ({
        id: line.id.toString(),
        service: line.service,
        level: line.level,
        message: line.message,
        at: line.createdAt.toISOString(),
      })),
    };
  });
