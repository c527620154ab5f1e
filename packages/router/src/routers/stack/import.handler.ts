import { isUniqueViolation, newId, type Prisma } from '@flotilla/db';
import { TRPCError } from '@trpc/server';
import { requireCluster } from '../../access.ts';
import { conflict, fieldError } from '../../errors.ts';
import { authedProcedure, type Meta } from '../../trpc.ts';
import { projectOf } from '../app/placement.ts';
import { composeTextOf, type PreparedStack, prepareStack } from './compose.ts';
import { stackImportInput, stackImportOutput } from './import.schema.ts';
import { refuseTaken, stackTarget } from './placement.ts';
import { readStack, sealDraft, sealVariables } from './rows.ts';
import { lockStack, queueRun, versionFor } from './runs.ts';

export const meta = {
  summary:
    'Import a docker-compose file (text, or a multipart upload): a new stack (or the new draft of one), deployed at once with `deploy`; refused, naming each problem, when the file cannot carry over',
  http: { method: 'POST', status: 201, upload: { field: 'file' } },
  input: stackImportInput,
  output: stackImportOutput,
} satisfies Meta;

type Input = typeof stackImportInput._output;
type Tx = Prisma.TransactionClient;

export const procedure = authedProcedure
  .meta(meta)
  .input(stackImportInput)
  .output(stackImportOutput)
  .mutation(async ({ ctx, input }) => {
    ctx.audit.targetType = 'stack';
    // Access is checked before an uploaded file is read; the file is checked before anything
    // is written, so a file that cannot be used creates nothing.
    const prepare = async (orchestrator: 'swarm' | 'kubernetes') => {
      const compose = await composeTextOf(input);
      return { compose, prepared: prepareStack({ ...input, compose }, orchestrator) };
    };
    const draft = (stackId: string, compose: string, prepared: PreparedStack) => ({
      compose,
      profiles: input.profiles,
      dropUnsupported: input.drop,
      variablesEncrypted: sealVariables(ctx.sealer, stackId, input.variables),
      definitionEncrypted: sealDraft(ctx.sealer, stackId, prepared.definition),
    });
    const deploy = async (
      tx: Tx,
      stack: { id: string; clusterId: string },
      compose: string,
      prepared: PreparedStack,
    ) => {
      const version = await versionFor(
        tx,
        ctx.sealer,
        stack.id,
        {
          compose,
          profiles: input.profiles,
          variableNames: Object.keys(input.variables).sort(),
          definition: prepared.definition,
          rendered: prepared.rendered,
          digest: prepared.digest,
        },
        ctx.principal.userId,
      );
      await queueRun(tx, {
        stackId: stack.id,
        clusterId: stack.clusterId,
        versionId: version.id,
        trigger: 'deploy',
        createdById: ctx.principal.userId,
      });
    };

    if (input.stackId) return intoExisting(input, input.stackId);
    if (!input.name) throw fieldError('name', 'is required to create a stack (or give stackId)');
    const name = input.name;
    const target = await stackTarget(ctx, { ...input, name });
    const { compose, prepared } = await prepare(target.cluster.orchestrator);
    try {
      const result = await ctx.db.$transaction(async (tx) => {
        const projectId = await projectOf(tx, target.organizationId, input.projectId);
        await refuseTaken(tx, projectId, target, name);
        const id = newId('stk');
        await tx.stack.create({
          data: {
            id,
            organizationId: target.organizationId,
            projectId,
            clusterId: target.cluster.id,
            name,
            stackName: target.stackName,
            description: input.description ?? '',
            createdById: ctx.principal.userId,
            ...draft(id, compose, prepared),
          },
        });
        if (input.deploy) await deploy(tx, { id, clusterId: target.cluster.id }, compose, prepared);
        return readStack(tx, ctx.sealer, id);
      });
      Object.assign(ctx.audit, {
        targetId: result.id,
        details: `Imported stack ${result.name} (${result.services.map((s) => s.name).join(', ')})${prepared.dropped.length ? `, leaving out ${prepared.dropped.map((f) => f.path).join(', ')}` : ''}`,
      });
      if (input.deploy) ctx.onOutboxWritten();
      return { ...result, analysis: prepared.analysis };
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`A stack named "${name}" exists already`);
      throw error;
    }

    async function intoExisting(given: Input, stackId: string) {
      const stack = await ctx.db.stack.findUnique({
        where: { id: stackId },
        select: { id: true, clusterId: true, name: true },
      });
      if (!stack) throw new TRPCError({ code: 'NOT_FOUND', message: 'Stack not found' });
      ctx.audit.targetId = stack.id;
      const { cluster } = await requireCluster(ctx, stack.clusterId, 'manage').catch((error) => {
        if (error instanceof TRPCError && error.code === 'NOT_FOUND') {
          throw new TRPCError({ code: 'NOT_FOUND', message: 'Stack not found' });
        }
        throw error;
      });
      const { compose, prepared } = await prepare(cluster.orchestrator);
      const result = await ctx.db.$transaction(async (tx) => {
        await lockStack(tx, stack.id, given.deploy ? 'deploy' : 'change');
        await tx.stack.update({
          where: { id: stack.id },
          data: draft(stack.id, compose, prepared),
        });
        if (given.deploy) await deploy(tx, stack, compose, prepared);
        return readStack(tx, ctx.sealer, stack.id);
      });
      ctx.audit.details = `Imported a new definition of stack ${stack.name}`;
      if (given.deploy) ctx.onOutboxWritten();
      return { ...result, analysis: prepared.analysis };
    }
  });
