// bindDatabase: a pending binding reaches its app. Once the database is ready (its create job, or
// the health check, queues this when it becomes so) and the app has no deployment under way, the
// connection variables go into the app's secret env and its deployment is queued, in one
// transaction with the binding becoming `bound` — so a retried job never does it twice.
import { FlotillaError } from '@flotilla/errors';
import type { JobData } from '@flotilla/queue';
import { appLog } from '../apps/log.ts';
import { boundEnv, changeAppEnv, untilAppIdle } from '../databases/app-env.ts';
import { databaseRef, loadDatabase } from '../databases/records.ts';
import type { Engine } from '../engine.ts';

/** Deployments of the app that may finish first before the job gives this attempt up. */
const rounds = 3;

export async function bindDatabase(
  engine: Engine,
  { databaseId, bindingId }: JobData<'bindDatabase'>,
): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const binding = await engine.db.databaseBinding.findUnique({
      where: { id: bindingId },
      select: { status: true, appId: true, createdById: true, app: { select: { name: true } } },
    });
    if (binding?.status !== 'pending') return;
    const database = await loadDatabase(engine, databaseId);
    if (database?.status !== 'ready') return;
    await untilAppIdle(engine, binding.appId);
    const outcome = await engine.db.$transaction(async (tx) => {
      // The row database.unbind locks too: an unbind first finds nothing to undo.
      const [locked] = await tx.$queryRaw<{ status: string }[]>`
        select status::text from "DatabaseBinding" where id = ${bindingId} for update`;
      if (locked?.status !== 'pending') return 'done' as const;
      const env = boundEnv(engine, database);
      const changed = await changeAppEnv(
        engine,
        tx,
        binding.appId,
        binding.createdById,
        (secret) => ({
          ...secret,
          ...env,
        }),
      );
      if (changed === 'busy' || changed === 'gone') return changed;
      await tx.databaseBinding.update({
        where: { id: bindingId },
        data: { status: 'bound', deploymentId: changed.deploymentId },
      });
      return { names: Object.keys(env), deploymentId: changed.deploymentId };
    });
    if (outcome === 'busy') continue;
    if (outcome === 'done' || outcome === 'gone') return;
    await appLog(
      engine,
      databaseRef(database),
      'database.bind',
      `bound to app ${binding.app.name}: ${outcome.names.join(', ')} in its secret env; ${
        outcome.deploymentId
          ? `deployment ${outcome.deploymentId} queued`
          : 'it has nothing deployed yet, its first deployment takes them'
      }`,
    );
    return;
  }
  throw new FlotillaError(
    'conflict',
    `app deployments kept starting before the binding could redeploy it (${rounds} in a row)`,
    { retryable: true },
  );
}
