import { isUniqueViolation, newId } from '@flotilla/db';
import { conflict } from '../../errors.ts';
import { authedProcedure, type Meta } from '../../trpc.ts';
import { projectOf } from '../app/placement.ts';
import { stackCreateInput, stackCreateOutput } from './create.schema.ts';
import { refuseTaken, stackTarget } from './placement.ts';
import { readStack } from './rows.ts';

export const meta = {
  summary:
    'Create an empty stack (a draft) on a cluster: give it a definition with stack.save, or use stack.import',
  http: { method: 'POST', status: 201 },
  input: stackCreateInput,
  output: stackCreateOutput,
} satisfies Meta;

// Who may: manage permission on the cluster the stack goes to (known once the default cluster
// is resolved), so access is checked here rather than by a builder.
export const procedure = authedProcedure
  .meta(meta)
  .input(stackCreateInput)
  .output(stackCreateOutput)
  .mutation(async ({ ctx, input }) => {
    const target = await stackTarget(ctx, input);
    ctx.audit.targetType = 'stack';
    try {
      const result = await ctx.db.$transaction(async (tx) => {
        const projectId = await projectOf(tx, target.organizationId, input.projectId);
        await refuseTaken(tx, projectId, target, input.name);
        const id = newId('stk');
        await tx.stack.create({
          data: {
            id,
            organizationId: target.organizationId,
            projectId,
            clusterId: target.cluster.id,
            name: input.name,
            stackName: target.stackName,
            description: input.description,
            createdById: ctx.principal.userId,
          },
        });
        return readStack(tx, ctx.sealer, id);
      });
      Object.assign(ctx.audit, {
        targetId: result.id,
        details: `Created stack ${result.name} on cluster ${target.cluster.name}`,
      });
      return result;
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`A stack named "${input.name}" exists already`);
      throw error;
    }
  });
