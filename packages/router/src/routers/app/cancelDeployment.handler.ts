import { conflict, fieldError } from '../../errors.ts';
import type { Meta } from '../../trpc.ts';
import { appProcedure } from './access.ts';
import { appCancelDeploymentInput, appCancelDeploymentOutput } from './cancelDeployment.schema.ts';
import { deploymentOut, deploymentSelect, peopleOf } from './rows.ts';

export const meta = {
  summary:
    'Cancel a deployment under way: a queued one at once; one building or deploying is stopped by its worker, which puts the previous spec back',
  http: { method: 'POST' },
  input: appCancelDeploymentInput,
  output: appCancelDeploymentOutput,
} satisfies Meta;

export const procedure = appProcedure('manage', appCancelDeploymentInput)
  .meta(meta)
  .output(appCancelDeploymentOutput)
  .mutation(async ({ ctx, input }) => {
    const app = ctx.app;
    const result = await ctx.db.$transaction(async (tx) => {
      const [row] = await tx.$queryRaw<{ ordinal: number; status: string }[]>`
        select ordinal, status::text from "Deployment"
        where id = ${input.deploymentId} and "appId" = ${app.id} for update`;
      if (!row) throw fieldError('deploymentId', 'no deployment with this id for this app');
      const now = new Date();
      if (row.status === 'queued') {
        // Not started: its job finds it cancelled and does nothing.
        await tx.deployment.update({
          where: { id: input.deploymentId },
          data: {
            status: 'cancelled',
            reason: 'cancelled before it started',
            finishedAt: now,
            cancelRequestedAt: now,
          },
        });
      } else if (row.status === 'building' || row.status === 'deploying') {
        await tx.deployment.updateMany({
          where: { id: input.deploymentId, cancelRequestedAt: null },
          data: { cancelRequestedAt: now },
        });
      } else {
        throw conflict(`Deployment #${row.ordinal} is ${row.status}: nothing to cancel`);
      }
      const out = await tx.deployment.findUniqueOrThrow({
        where: { id: input.deploymentId },
        select: deploymentSelect,
      });
      return deploymentOut(out, await peopleOf(tx, [out.createdById]));
    });
    ctx.audit.details = `Cancelled deployment #${result.ordinal}`;
    return result;
  });
