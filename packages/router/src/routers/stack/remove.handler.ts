import { writeOutboxJob } from '@flotilla/queue';
import type { Meta } from '../../trpc.ts';
import { stackProcedure } from './access.ts';
import { stackRemoveInput, stackRemoveOutput } from './remove.schema.ts';
import { lockStack, refuseWhileRunning } from './runs.ts';

export const meta = {
  summary:
    'Remove a stack: its services, networks and objects are taken off the cluster, then its versions and runs are deleted (asynchronous)',
  http: { method: 'DELETE', status: 204 },
  input: stackRemoveInput,
  output: stackRemoveOutput,
} satisfies Meta;

export const procedure = stackProcedure('manage', stackRemoveInput)
  .meta(meta)
  .output(stackRemoveOutput)
  .mutation(async ({ ctx }) => {
    const { stack } = ctx;
    const queued = await ctx.db.$transaction(async (tx) => {
      // Asked twice: the removal under way answers for both.
      if (stack.removeRequestedAt) return false;
      await lockStack(tx, stack.id, 'change');
      await refuseWhileRunning(tx, stack.id);
      const ran = await tx.stackRun.count({ where: { stackId: stack.id } });
      if (ran === 0) {
        // Never deployed: nothing of it is on the cluster.
        await tx.stack.delete({ where: { id: stack.id } });
        return false;
      }
      const requestedAt = new Date();
      await tx.stack.update({
        where: { id: stack.id },
        data: { removeRequestedAt: requestedAt },
      });
      await writeOutboxJob(tx, 'removeStack', {
        clusterId: stack.clusterId,
        stackId: stack.id,
        requestedAt: requestedAt.getTime(),
      });
      return true;
    });
    ctx.audit.details = `Removing stack ${stack.name}`;
    if (queued) ctx.onOutboxWritten();
  });
