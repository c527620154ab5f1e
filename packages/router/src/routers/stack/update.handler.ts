import { isUniqueViolation } from '@flotilla/db';
import { conflict } from '../../errors.ts';
import type { Meta } from '../../trpc.ts';
import { stackProcedure } from './access.ts';
import { readStack } from './rows.ts';
import { lockStack } from './runs.ts';
import { stackUpdateInput, stackUpdateOutput } from './update.schema.ts';

export const meta = {
  summary: 'Rename a stack or change its description (its name on the cluster stays)',
  http: { method: 'PATCH' },
  input: stackUpdateInput,
  output: stackUpdateOutput,
} satisfies Meta;

export const procedure = stackProcedure('manage', stackUpdateInput)
  .meta(meta)
  .output(stackUpdateOutput)
  .mutation(async ({ ctx, input }) => {
    const { stack } = ctx;
    try {
      return await ctx.db.$transaction(async (tx) => {
        await lockStack(tx, stack.id, 'change');
        if (input.name && input.name !== stack.name) {
          const taken = await tx.stack.findFirst({
            where: { projectId: stack.projectId, name: input.name, NOT: { id: stack.id } },
            select: { id: true },
          });
          if (taken) throw conflict(`A stack named "${input.name}" exists in this project`);
        }
        await tx.stack.update({
          where: { id: stack.id },
          data: {
            ...(input.name !== undefined ? { name: input.name } : {}),
            ...(input.description !== undefined ? { description: input.description } : {}),
          },
        });
        return readStack(tx, ctx.sealer, stack.id);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`A stack named "${input.name}" exists already`);
      throw error;
    }
  });
