import { createHash } from 'node:crypto';
import { renderStack } from '@flotilla/compose';
import { conflict } from '../../errors.ts';
import type { Meta } from '../../trpc.ts';
import { stackProcedure } from './access.ts';
import { stackDeployInput, stackDeployOutput } from './deploy.schema.ts';
import { openDraft, openVariables, peopleOf, runOut, runSelect } from './rows.ts';
import { lockStack, queueRun, versionFor } from './runs.ts';

export const meta = {
  summary:
    "Deploy the stack's saved definition: an immutable version (a new one when it changed) and a run, judged on the servers (asynchronous: follow it with stack.events)",
  http: { method: 'POST', status: 201 },
  input: stackDeployInput,
  output: stackDeployOutput,
} satisfies Meta;

export const procedure = stackProcedure('manage', stackDeployInput)
  .meta(meta)
  .output(stackDeployOutput)
  .mutation(async ({ ctx, input }) => {
    const { stack } = ctx;
    const result = await ctx.db.$transaction(async (tx) => {
      await lockStack(tx, stack.id, 'deploy');
      const draft = await tx.stack.findUniqueOrThrow({
        where: { id: stack.id },
        select: {
          compose: true,
          profiles: true,
          variablesEncrypted: true,
          definitionEncrypted: true,
        },
      });
      const definition = openDraft(ctx.sealer, stack.id, draft.definitionEncrypted);
      if (!definition || draft.compose === null) {
        throw conflict('The stack has no definition yet: save a compose file with stack.save');
      }
      const rendered = renderStack(definition);
      const version = await versionFor(
        tx,
        ctx.sealer,
        stack.id,
        {
          compose: draft.compose,
          profiles: draft.profiles,
          variableNames: Object.keys(
            openVariables(ctx.sealer, stack.id, draft.variablesEncrypted),
          ).sort(),
          definition,
          rendered,
          digest: createHash('sha256').update(rendered).digest('hex'),
        },
        ctx.principal.userId,
      );
      const id = await queueRun(tx, {
        stackId: stack.id,
        clusterId: stack.clusterId,
        versionId: version.id,
        trigger: 'deploy',
        createdById: ctx.principal.userId,
        ...(input.timeoutSeconds ? { timeoutSeconds: input.timeoutSeconds } : {}),
      });
      const row = await tx.stackRun.findUniqueOrThrow({ where: { id }, select: runSelect });
      return runOut(row, await peopleOf(tx, [row.createdById]));
    });
    ctx.audit.details = `Deploying version ${result.version} of stack ${stack.name}`;
    ctx.onOutboxWritten();
    return result;
  });
