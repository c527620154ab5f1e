// unbindDatabase: a binding being taken back. Once the app has no deployment under way, the
// variables the binding wrote leave the app's secret env and its deployment is queued (without
// the database's network: the binding is gone in the same transaction).
import { FlotillaError } from '@flotilla/errors';
import type { JobData } from '@flotilla/queue';
import { appLog } from '../apps/log.ts';
import { boundNames, changeAppEnv, untilAppIdle } from '../databases/app-env.ts';
import { databaseRef, loadDatabase } from '../databases/records.ts';
import type { Engine } from '../engine.ts';

const rounds = 3;

export async function unbindDatabase(
  engine: Engine,
  { databaseId, bindingId }: JobData<'unbindDatabase'>,
): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const binding = await engine.db.databaseBinding.findUnique({
      where: { id: bindingId },
      select: { status: true, appId: true, createdById: true, app: { select: { name: true } } },
    });
    if (binding?.status !== 'unbinding') return;
    const database = await loadDatabase(engine, databaseId);
    if (!database) return;
    await untilAppIdle(engine, binding.appId);
    const names = boundNames(database.engine);
    const outcome = await engine.db.$transaction(async (tx) => {
      const [locked] = await tx.$queryRaw<{ status: string }[]>`
        select status::text from "DatabaseBinding" where id = ${bindingId} for update`;
      if (locked?.status !== 'unbinding') return 'done' as const;
      const changed = await changeAppEnv(engine, tx, binding.appId, binding.createdById, (secret) =>
        Object.fromEntries(Object.entries(secret).filter(([name]) => !names.includes(name))),
      );
      if (changed === 'busy') return changed;
      await tx.databaseBinding.delete({ where: { id: bindingId } });
      return changed === 'gone' ? changed : { deploymentId: changed.deploymentId };
    });
    if (outcome === 'busy') continue;
    if (outcome === 'done' || outcome === 'gone') return;
    await appLog(
      engine,
      databaseRef(database),
      'database.unbind',
      `unbound from app ${binding.app.name}: ${names.join(', ')} removed from its secret env; ${
        outcome.deploymentId ? `deployment ${outcome.deploymentId} queued` : 'nothing to redeploy'
      }`,
    );
    return;
  }
  throw new FlotillaError(
    'conflict',
    `app deployments kept starting before the unbinding could redeploy it (${rounds} in a row)`,
    { retryable: true },
  );
}
