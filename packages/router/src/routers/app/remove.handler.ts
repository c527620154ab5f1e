import { writeOutboxJob } from '@flotilla/queue';
import type { Meta } from '../../trpc.ts';
import { appProcedure } from './access.ts';
import { inFlightStatuses } from './deployments.ts';
import { appRemoveInput, appRemoveOutput } from './remove.schema.ts';

export const meta = {
  summary:
    'Remove an app and everything it has on its cluster (asynchronous: the app is `deleting` until the servers hold nothing of it)',
  http: { method: 'DELETE', status: 204 },
  input: appRemoveInput,
  output: appRemoveOutput,
} satisfies Meta;

export const procedure = appProcedure('manage', appRemoveInput)
  .meta(meta)
  .output(appRemoveOutput)
  .mutation(async ({ ctx }) => {
    const app = ctx.app;
    await ctx.db.$transaction(async (tx) => {
      // Locked, so a deploy asked for at the same moment is either before (and cancelled
      // here) or after (and refused: the app is deleting).
      await tx.$queryRaw`select id from "App" where id = ${app.id} for update`;
      await tx.app.update({
        where: { id: app.id },
        data: { status: 'deleting', statusReason: 'removal requested' },
      });
      const now = new Date();
      await tx.deployment.updateMany({
        where: { appId: app.id, status: 'queued' },
        data: { status: 'cancelled', reason: 'the app is being removed', finishedAt: now },
      });
      await tx.deployment.updateMany({
        where: { appId: app.id, status: { in: [...inFlightStatuses] }, cancelRequestedAt: null },
        data: { cancelRequestedAt: now },
      });
      // Asking twice is one job (its id is the app's).
      await writeOutboxJob(tx, 'removeApp', { appId: app.id });
    });
    ctx.audit.details = `Removed app ${app.name}`;
    ctx.onOutboxWritten();
  });
