import { conflict, fieldError } from '../../errors.ts';
import type { Meta } from '../../trpc.ts';
import { appProcedure } from './access.ts';
import { lockApp, queueDeployment } from './deployments.ts';
import { appRollbackInput, appRollbackOutput } from './rollback.schema.ts';
import { deploymentOut, deploymentSelect, peopleOf } from './rows.ts';

export const meta = {
  summary:
    'Apply an earlier deployment again, exactly as it was applied (same image digest and spec, no rebuild), as a new deployment',
  http: { method: 'POST', status: 201 },
  input: appRollbackInput,
  output: appRollbackOutput,
} satisfies Meta;

export const procedure = appProcedure('manage', appRollbackInput)
  .meta(meta)
  .output(appRollbackOutput)
  .mutation(async ({ ctx, input }) => {
    const app = ctx.app;
    const result = await ctx.db.$transaction(async (tx) => {
      await lockApp(tx, app.id);
      const source = await tx.deployment.findFirst({
        where: { id: input.deploymentId, appId: app.id },
        select: { id: true, ordinal: true, status: true, image: true, spec: true },
      });
      if (!source) throw fieldError('deploymentId', 'no deployment with this id for this app');
      if (source.status === 'active') {
        throw conflict(`Deployment #${source.ordinal} is the one serving now`);
      }
      // Only what was applied and came up has a spec worth applying again.
      if (source.status !== 'superseded' || source.spec === null) {
        throw conflict(
          `Deployment #${source.ordinal} never served (it is ${source.status}); pick one that did`,
        );
      }
      const id = await queueDeployment(tx, {
        appId: app.id,
        trigger: 'rollback',
        image: source.image,
        sourceDeploymentId: source.id,
        createdById: ctx.principal.userId,
      });
      const row = await tx.deployment.findUniqueOrThrow({
        where: { id },
        select: deploymentSelect,
      });
      return { deployment: deploymentOut(row, await peopleOf(tx, [row.createdById])), source };
    });
    ctx.audit.details = `Rolled back to deployment #${result.source.ordinal} (${result.source.image ?? 'built image'})`;
    ctx.onOutboxWritten();
    return result.deployment;
  });
