import type { Meta } from '../../trpc.ts';
import { stackProcedure } from './access.ts';
import { readStack } from './rows.ts';
import { lockStack } from './runs.ts';
import { stackSetStatusInput, stackSetStatusOutput } from './setStatus.schema.ts';

export const meta = {
  summary:
    'Mark a stack draft, published or archived (an archived stack is not deployed; what runs keeps running)',
  http: { method: 'POST' },
  input: stackSetStatusInput,
  output: stackSetStatusOutput,
} satisfies Meta;

export const procedure = stackProcedure('manage', stackSetStatusInput)
  .meta(meta)
  .output(stackSetStatusOutput)
  .mutation(async ({ ctx, input }) => {
    const result = await ctx.db.$transaction(async (tx) => {
      await lockStack(tx, ctx.stack.id, 'change');
      await tx.stack.update({ where: { id: ctx.stack.id }, data: { status: input.status } });
      return readStack(tx, ctx.sealer, ctx.stack.id);
    });
    ctx.audit.details = `Stack ${ctx.stack.name}: ${ctx.stack.status} → ${input.status}`;
    return result;
  });
