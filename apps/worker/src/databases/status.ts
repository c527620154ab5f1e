// A database's status as the servers prove it. `ready` is written with the jobs that waited for
// it (bindings of apps, restores into it) in one transaction, so whichever comes first — the
// request or the readiness — the work is queued exactly when both are there.
import type { FailureKind } from '@flotilla/db';
import { writeOutboxJob } from '@flotilla/queue';
import { appLog } from '../apps/log.ts';
import type { Engine } from '../engine.ts';
import { databaseRef } from './records.ts';

interface Target {
  id: string;
  name: string;
  clusterId: string;
}

/**
 * `creating` or `error` → `ready` (with the reason it was judged so), queueing the bindings and
 * restores waiting for it. Returns false when the database was not in one of those states.
 */
export async function markReady(
  engine: Engine,
  database: Target,
  from: readonly ('creating' | 'error')[],
  details: { publicHost?: string | null; orchestratorNodeId?: string } = {},
): Promise<boolean> {
  const queued = await engine.db.$transaction(async (tx) => {
    const now = new Date();
    const { count } = await tx.managedDatabase.updateMany({
      where: { id: database.id, status: { in: [...from] } },
      data: {
        status: 'ready',
        statusReason: null,
        failureKind: null,
        statusChangedAt: now,
        ...(details.publicHost !== undefined ? { publicHost: details.publicHost } : {}),
      },
    });
    if (count === 0) return null;
    await tx.managedDatabase.updateMany({
      where: { id: database.id, readyAt: null },
      data: { readyAt: now },
    });
    const [bindings, restores] = await Promise.all([
      tx.databaseBinding.findMany({
        where: { databaseId: database.id, status: 'pending' },
        select: { id: true },
      }),
      tx.databaseRestore.findMany({
        where: { databaseId: database.id, status: 'queued' },
        select: { id: true },
      }),
    ]);
    for (const binding of bindings) {
      await writeOutboxJob(tx, 'bindDatabase', {
        clusterId: database.clusterId,
        databaseId: database.id,
        bindingId: binding.id,
      });
    }
    for (const restore of restores) {
      await writeOutboxJob(tx, 'restoreDatabase', {
        clusterId: database.clusterId,
        databaseId: database.id,
        restoreId: restore.id,
      });
    }
    return { bindings: bindings.length, restores: restores.length };
  });
  if (!queued) return false;
  const waiting = [
    queued.bindings ? `${queued.bindings} binding queued` : '',
    queued.restores ? `${queued.restores} restore queued` : '',
  ].filter(Boolean);
  await appLog(
    engine,
    databaseRef(database),
    'database.status',
    `ready${waiting.length ? ` (${waiting.join(', ')})` : ''}`,
  );
  return true;
}

/**
 * `from` → `error` with the reason and its kind. Returns false when the database was not in one
 * of those states (removed, or already moved on).
 */
export async function markError(
  engine: Engine,
  database: Target,
  from: readonly ('creating' | 'ready' | 'error' | 'deleting')[],
  reason: string,
  kind: FailureKind,
): Promise<boolean> {
  const { count } = await engine.db.managedDatabase.updateMany({
    where: { id: database.id, status: { in: [...from] } },
    data: {
      status: 'error',
      statusReason: reason.slice(0, 2_000),
      failureKind: kind,
      statusChangedAt: new Date(),
    },
  });
  if (count === 0) return false;
  await appLog(engine, databaseRef(database), 'database.status', `error: ${reason}`, 'error');
  return true;
}
