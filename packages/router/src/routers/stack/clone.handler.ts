import { isUniqueViolation, newId } from '@flotilla/db';
import { conflict, fieldError } from '../../errors.ts';
import type { Meta } from '../../trpc.ts';
import { stackProcedure } from './access.ts';
import { stackCloneInput, stackCloneOutput } from './clone.schema.ts';
import { refuseTaken, stackTarget } from './placement.ts';
import { openDraft, openVariables, readStack, sealDraft, sealVariables } from './rows.ts';

export const meta = {
  summary:
    "Copy a stack's draft (definition and variables) into a new draft stack, on its cluster or another one",
  http: { method: 'POST', status: 201 },
  input: stackCloneInput,
  output: stackCloneOutput,
} satisfies Meta;

// Reading the source needs view; the copy is a new stack, so manage on its cluster.
export const procedure = stackProcedure('view', stackCloneInput)
  .meta(meta)
  .output(stackCloneOutput)
  .mutation(async ({ ctx, input }) => {
    const source = await ctx.db.stack.findUniqueOrThrow({
      where: { id: ctx.stack.id },
      select: {
        description: true,
        compose: true,
        profiles: true,
        dropUnsupported: true,
        variablesEncrypted: true,
        definitionEncrypted: true,
      },
    });
    const target = await stackTarget(ctx, {
      organizationId: ctx.stack.organizationId,
      clusterId: input.clusterId ?? ctx.stack.clusterId,
      name: input.name,
      ...(input.stackName ? { stackName: input.stackName } : {}),
    });
    if (target.organizationId !== ctx.stack.organizationId) {
      throw fieldError('clusterId', "is a cluster of another organization than the stack's");
    }
    const variables = openVariables(ctx.sealer, ctx.stack.id, source.variablesEncrypted);
    const definition = openDraft(ctx.sealer, ctx.stack.id, source.definitionEncrypted);
    try {
      const result = await ctx.db.$transaction(async (tx) => {
        await refuseTaken(tx, ctx.stack.projectId, target, input.name);
        const id = newId('stk');
        await tx.stack.create({
          data: {
            id,
            organizationId: target.organizationId,
            projectId: ctx.stack.projectId,
            clusterId: target.cluster.id,
            name: input.name,
            stackName: target.stackName,
            description: input.description ?? source.description,
            compose: source.compose,
            profiles: source.profiles,
            dropUnsupported: source.dropUnsupported,
            // Re-sealed: an envelope is bound to the stack it belongs to.
            variablesEncrypted: sealVariables(ctx.sealer, id, variables),
            definitionEncrypted: definition ? sealDraft(ctx.sealer, id, definition) : null,
            createdById: ctx.principal.userId,
          },
        });
        return readStack(tx, ctx.sealer, id);
      });
      Object.assign(ctx.audit, {
        targetId: result.id,
        details: `Cloned stack ${ctx.stack.name} as ${result.name}`,
      });
      return result;
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`A stack named "${input.name}" exists already`);
      throw error;
    }
  });
