import type { Meta } from '../../trpc.ts';
import { stackProcedure } from './access.ts';
import { prepareStack } from './compose.ts';
import { openVariables, readStack, sealDraft, sealVariables } from './rows.ts';
import { lockStack } from './runs.ts';
import { stackSaveInput, stackSaveOutput } from './save.schema.ts';

export const meta = {
  summary:
    "Save a stack's definition (a compose file) without deploying it: checked, analyzed and normalized, or refused naming each problem",
  http: { method: 'POST' },
  input: stackSaveInput,
  output: stackSaveOutput,
} satisfies Meta;

export const procedure = stackProcedure('manage', stackSaveInput)
  .meta(meta)
  .output(stackSaveOutput)
  .mutation(async ({ ctx, input }) => {
    const { stack } = ctx;
    const stored = await ctx.db.stack.findUniqueOrThrow({
      where: { id: stack.id },
      select: { variablesEncrypted: true, profiles: true, dropUnsupported: true },
    });
    const variables =
      input.variables ?? openVariables(ctx.sealer, stack.id, stored.variablesEncrypted);
    const profiles = input.profiles ?? stored.profiles;
    const drop = input.drop ?? stored.dropUnsupported;
    // Checked before anything is written: a file that cannot be used changes nothing.
    const prepared = prepareStack(
      { compose: input.compose, variables, profiles, drop },
      ctx.cluster.orchestrator,
    );
    const result = await ctx.db.$transaction(async (tx) => {
      await lockStack(tx, stack.id, 'change');
      await tx.stack.update({
        where: { id: stack.id },
        data: {
          compose: input.compose,
          profiles,
          dropUnsupported: drop,
          variablesEncrypted: sealVariables(ctx.sealer, stack.id, variables),
          definitionEncrypted: sealDraft(ctx.sealer, stack.id, prepared.definition),
        },
      });
      return readStack(tx, ctx.sealer, stack.id);
    });
    ctx.audit.details = `Saved the definition of stack ${stack.name}: ${Object.keys(prepared.definition.services).join(', ')}`;
    return { ...result, analysis: prepared.analysis };
  });
