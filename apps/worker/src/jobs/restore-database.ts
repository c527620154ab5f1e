// restoreDatabase: a stored backup streamed from the backup store into the target database's
// task on its node. Postgres: pg_restore in one transaction (all or nothing, so a retried job
// starts from the same data); Redis: the snapshot replaces the data set and the task restarts
// once (the health check leaves a database alone while a restore into it runs).
import { errorMessage, isRetryable } from '@flotilla/errors';
import type { JobData } from '@flotilla/queue';
import { appLog, appStep } from '../apps/log.ts';
import { kubernetesDumpsUnavailable } from '../databases/kubernetes.ts';
import {
  databaseRef,
  databaseSpecOf,
  imageCredentials,
  loadDatabase,
} from '../databases/records.ts';
import { backupStore } from '../databases/store.ts';
import { reachDatabases } from '../databases/swarm.ts';
import type { Attempt, Engine } from '../engine.ts';

export async function restoreDatabase(
  engine: Engine,
  { databaseId, restoreId }: JobData<'restoreDatabase'>,
  attempt: Attempt,
): Promise<void> {
  const restore = await engine.db.databaseRestore.findUnique({
    where: { id: restoreId },
    select: {
      status: true,
      databaseId: true,
      backup: { select: { id: true, location: true, status: true, format: true } },
    },
  });
  if (!restore || restore.databaseId !== databaseId) return;
  if (restore.status !== 'queued' && restore.status !== 'running') return;
  const finish = (status: 'succeeded' | 'failed', reason: string | null) =>
    engine.db.databaseRestore.updateMany({
      where: { id: restoreId, status: { in: ['queued', 'running'] } },
      data: { status, reason: reason?.slice(0, 2_000) ?? null, finishedAt: new Date() },
    });
  const database = await loadDatabase(engine, databaseId);
  // Still being created: its create job queues this again once it is ready.
  if (database?.status === 'creating') return;
  if (database?.status !== 'ready') {
    await finish('failed', `the database is ${database?.status ?? 'gone'}`);
    return;
  }
  // database.restore refuses these (501); a job queued before that rule finds out here.
  if (database.cluster.orchestrator === 'kubernetes') {
    await finish('failed', kubernetesDumpsUnavailable('restore'));
    return;
  }
  const location = restore.backup.location;
  if (restore.backup.status !== 'succeeded' || !location) {
    await finish('failed', `backup ${restore.backup.id} is not a finished backup`);
    return;
  }
  await engine.db.databaseRestore.updateMany({
    where: { id: restoreId, status: 'queued' },
    data: { status: 'running', startedAt: new Date() },
  });
  const ref = databaseRef(database);
  try {
    const swarm = await reachDatabases(engine, database.clusterId);
    try {
      const registry = await imageCredentials(engine, database);
      await appStep(
        engine,
        ref,
        'database.restore',
        async () =>
          swarm.databases.restore(
            databaseSpecOf(database),
            await backupStore(engine).get(location),
            {
              ...(registry ? { registry } : {}),
              timeoutMs: engine.settings.databases.readyTimeoutMs,
            },
          ),
        (r) => `backup ${restore.backup.id} (${r.bytes} bytes) loaded in ${r.durationMs} ms`,
      );
    } finally {
      await swarm.close();
    }
    await finish('succeeded', null);
  } catch (error) {
    if (attempt.final || !isRetryable(error)) {
      await finish('failed', errorMessage(error));
    } else {
      await appLog(
        engine,
        ref,
        'database.retry',
        `restore ${restoreId}: attempt ${attempt.number} failed and will be retried: ${errorMessage(error)}`,
        'warn',
      );
    }
    throw error;
  }
}
