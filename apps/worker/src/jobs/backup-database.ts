// backupDatabase: a dump taken inside the database's task, on the node that runs it, streamed
// through this worker into the backup store (never held in memory, never a file on the node).
// The store writes under a temporary name and renames once the dump command exited 0, so a cut
// or failed dump is never listed. A retried job dumps again from the start.
import { errorMessage, isRetryable } from '@flotilla/errors';
import type { JobData } from '@flotilla/queue';
import { appLog, appStep } from '../apps/log.ts';
import { kubernetesDumpsUnavailable } from '../databases/kubernetes.ts';
import { databaseRef, databaseSpecOf, loadDatabase } from '../databases/records.ts';
import { backupKey, backupStore } from '../databases/store.ts';
import { reachDatabases } from '../databases/swarm.ts';
import type { Attempt, Engine } from '../engine.ts';

export async function backupDatabase(
  engine: Engine,
  { databaseId, backupId }: JobData<'backupDatabase'>,
  attempt: Attempt,
): Promise<void> {
  const backup = await engine.db.databaseBackup.findUnique({
    where: { id: backupId },
    select: { status: true, databaseId: true },
  });
  if (backup?.status !== 'running' || backup.databaseId !== databaseId) return;
  const fail = (reason: string) =>
    engine.db.databaseBackup.updateMany({
      where: { id: backupId, status: 'running' },
      data: { status: 'failed', reason: reason.slice(0, 2_000), finishedAt: new Date() },
    });
  const database = await loadDatabase(engine, databaseId);
  if (!database || database.status === 'deleting') {
    await fail('the database is being removed');
    return;
  }
  // database.backup refuses these (501); a job queued before that rule finds out here.
  if (database.cluster.orchestrator === 'kubernetes') {
    await fail(kubernetesDumpsUnavailable('backup'));
    return;
  }
  const ref = databaseRef(database);
  try {
    const swarm = await reachDatabases(engine, database.clusterId);
    try {
      const spec = databaseSpecOf(database);
      const stored = await appStep(
        engine,
        ref,
        'database.backup',
        async () => {
          const dump = await swarm.databases.backup(spec);
          const key = backupKey(database.id, backupId, dump.extension);
          const put = await backupStore(engine).put(key, dump.stream);
          return { ...put, format: dump.format, nodeId: dump.nodeId };
        },
        (s) => `${s.format} of ${s.bytes} bytes from node ${s.nodeId} stored as ${s.key}`,
      );
      await engine.db.databaseBackup.updateMany({
        where: { id: backupId, status: 'running' },
        data: {
          status: 'succeeded',
          format: stored.format,
          location: stored.key,
          sizeBytes: BigInt(stored.bytes),
          sha256: stored.sha256,
          orchestratorNodeId: stored.nodeId,
          finishedAt: new Date(),
        },
      });
    } finally {
      await swarm.close();
    }
  } catch (error) {
    if (attempt.final || !isRetryable(error)) {
      await fail(errorMessage(error));
    } else {
      await appLog(
        engine,
        ref,
        'database.retry',
        `backup ${backupId}: attempt ${attempt.number} failed and will be retried: ${errorMessage(error)}`,
        'warn',
      );
    }
    throw error;
  }
}
