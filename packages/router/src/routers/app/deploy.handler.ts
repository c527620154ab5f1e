import { TRPCError } from '@trpc/server';
import type { Meta } from '../../trpc.ts';
import { appProcedure } from './access.ts';
import { appDeployInput, appDeployOutput } from './deploy.schema.ts';
import { lastAppliedImage, lockApp, queueDeployment } from './deployments.ts';
import { deploymentOut, deploymentSelect, peopleOf } from './rows.ts';

export const meta = {
  summary:
    'Deploy the app again: image apps pull the tag anew (pinned by digest), git apps rebuild from the branch, upload apps redeploy their last build',
  http: { method: 'POST', status: 201 },
  input: appDeployInput,
  output: appDeployOutput,
} satisfies Meta;

export const procedure = appProcedure('manage', appDeployInput)
  .meta(meta)
  .output(appDeployOutput)
  .mutation(async ({ ctx, input }) => {
    const app = ctx.app;
    const result = await ctx.db.$transaction(async (tx) => {
      await lockApp(tx, app.id);
      const rebuild = app.sourceType === 'git' && input.rebuild !== false;
      let image: string | null = null;
      if (app.sourceType === 'image') image = app.imageUrl;
      else if (!rebuild) {
        image = await lastAppliedImage(tx, app.id);
        if (!image) {
          throw new TRPCError({
            code: 'CONFLICT',
            message:
              app.sourceType === 'upload'
                ? 'Nothing was built for this app yet: send its source to app.build first'
                : 'Nothing was built for this app yet: deploy with rebuild',
          });
        }
      }
      const id = await queueDeployment(tx, {
        appId: app.id,
        trigger: 'deploy',
        image,
        ...(rebuild
          ? { build: { source: 'git', repoUrl: app.repoUrl, repoBranch: app.repoBranch } }
          : {}),
        createdById: ctx.principal.userId,
        ...(input.timeoutSeconds ? { timeoutSeconds: input.timeoutSeconds } : {}),
      });
      const row = await tx.deployment.findUniqueOrThrow({
        where: { id },
        select: deploymentSelect,
      });
      return deploymentOut(row, await peopleOf(tx, [row.createdById]));
    });
    ctx.audit.details = result.image
      ? `Deployed image ${result.image}`
      : `Deploying a build of ${app.repoUrl}#${app.repoBranch}`;
    ctx.onOutboxWritten();
    return result;
  });
