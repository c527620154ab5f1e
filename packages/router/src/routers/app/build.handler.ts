import { conflict } from '../../errors.ts';
import type { Meta } from '../../trpc.ts';
import { appProcedure } from './access.ts';
import { appBuildInput, appBuildOutput } from './build.schema.ts';
import { lockApp, queueDeployment, refuseWhileInFlight } from './deployments.ts';
import { deploymentOut, deploymentSelect, peopleOf } from './rows.ts';
import { storeUpload } from './upload.ts';

export const meta = {
  summary:
    'Upload the source as a tar or tar.gz (multipart/form-data field `file`), build it on a manager, push it and deploy it',
  http: { method: 'POST', status: 201, upload: { field: 'file' } },
  input: appBuildInput,
  output: appBuildOutput,
} satisfies Meta;

export const procedure = appProcedure('manage', appBuildInput)
  .meta(meta)
  .output(appBuildOutput)
  .mutation(async ({ ctx, input }) => {
    const app = ctx.app;
    if (app.sourceType !== 'upload') {
      throw conflict(
        `app.build takes the source of apps whose source_type is upload; this one's is ${app.sourceType} (git apps build with app.deploy)`,
      );
    }
    if (app.status === 'deleting') throw conflict('The app is being removed');
    // Refused before the upload is read, so a busy app does not cost a 100 MiB transfer.
    await refuseWhileInFlight(ctx.db, app.id);
    const upload = await storeUpload(ctx, app.id, input.file);
    try {
      const result = await ctx.db.$transaction(async (tx) => {
        await lockApp(tx, app.id);
        const id = await queueDeployment(tx, {
          appId: app.id,
          trigger: 'upload',
          image: null,
          build: { source: 'upload', uploadId: upload.id },
          createdById: ctx.principal.userId,
        });
        const row = await tx.deployment.findUniqueOrThrow({
          where: { id },
          select: deploymentSelect,
        });
        return deploymentOut(row, await peopleOf(tx, [row.createdById]));
      });
      ctx.audit.details = `Uploaded a ${upload.format} of ${upload.sizeBytes} bytes (sha256 ${upload.sha256.slice(0, 12)}) to build`;
      ctx.onOutboxWritten();
      return result;
    } catch (error) {
      await ctx.db.sourceUpload.deleteMany({ where: { id: upload.id } }).catch(() => {});
      throw error;
    }
  });
