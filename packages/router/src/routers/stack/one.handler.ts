import type { Meta } from '../../trpc.ts';
import { stackProcedure } from './access.ts';
import { stackOneInput, stackOneOutput } from './one.schema.ts';
import { readStack } from './rows.ts';

export const meta = {
  summary: 'A stack: its draft (compose as written, services), the version it runs, its last run',
  http: { method: 'GET' },
  input: stackOneInput,
  output: stackOneOutput,
} satisfies Meta;

export const procedure = stackProcedure('view', stackOneInput)
  .meta(meta)
  .output(stackOneOutput)
  .query(({ ctx }) => readStack(ctx.db, ctx.sealer, ctx.stack.id));
