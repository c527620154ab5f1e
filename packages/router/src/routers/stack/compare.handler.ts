import { diff } from '@flotilla/compose';
import type { Meta } from '../../trpc.ts';
import { stackProcedure } from './access.ts';
import { stackCompareInput, stackCompareOutput } from './compare.schema.ts';
import { openVersionDefinition } from './rows.ts';
import { versionOf } from './versions.ts';

export const meta = {
  summary:
    'What changed between two versions of a stack, service by service (env variables by name only)',
  http: { method: 'GET' },
  input: stackCompareInput,
  output: stackCompareOutput,
} satisfies Meta;

export const procedure = stackProcedure('view', stackCompareInput)
  .meta(meta)
  .output(stackCompareOutput)
  .query(async ({ ctx, input }) => {
    const [from, to] = await Promise.all([
      versionOf(ctx.db, ctx.stack.id, input.from, 'from'),
      versionOf(ctx.db, ctx.stack.id, input.to, 'to'),
    ]);
    return {
      from: from.ordinal,
      to: to.ordinal,
      diff: diff(openVersionDefinition(ctx.sealer, from), openVersionDefinition(ctx.sealer, to)),
    };
  });
