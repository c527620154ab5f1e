import { writeOutboxJob } from '@flotilla/queue';
import { conflict } from '../../errors.ts';
import type { Meta } from '../../trpc.ts';
import { appProcedure } from './access.ts';
import { lockApp, refuseWhileInFlight } from './deployments.ts';
import { appRestartInput, appRestartOutput } from './restart.schema.ts';

export const meta = {
  summary: 'Replace every task of the app with the same spec (no new deployment)',
  http: { method: 'POST' },
  input: appRestartInput,
  output: appRestartOutput,
} satisfies Meta;

export const procedure = appProcedure('manage', appRestartInput)
  .meta(meta)
  .output(appRestartOutput)
  .mutation(async ({ ctx }) => {
    const app = ctx.app;
    const restart = await ctx.db.$transaction(async (tx) => {
      await lockApp(tx, app.id);
      await refuseWhileInFlight(tx, app.id);
      const active = await tx.deployment.count({ where: { appId: app.id, status: 'active' } });
      if (active === 0) throw conflict('Nothing of this app is running yet: deploy it first');
      const { restartGeneration } = await tx.app.update({
        where: { id: app.id },
        data: { restartGeneration: { increment: 1 } },
        select: { restartGeneration: true },
      });
      await writeOutboxJob(tx, 'restartApp', { appId: app.id, generation: restartGeneration });
      return restartGeneration;
    });
    ctx.audit.details = `Restarted app ${app.name}`;
    ctx.onOutboxWritten();
    return { appId: app.id, restart };
  });
