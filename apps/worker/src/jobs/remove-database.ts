// removeDatabase: a database being removed (`deleting`) leaves nothing behind: its service
// (waited for until no task remains), its secret, its network once unused, the volume on its
// pinned node — on Kubernetes every object its owner label selects, its volume claim included —,
// its backups in the store, then its rows. Each part can be removed again, so a
// retried or resumed job simply goes through them again.
import { errorMessage, isRetryable } from '@flotilla/errors';
import type { JobData } from '@flotilla/queue';
import { appLog, appStep } from '../apps/log.ts';
import { connectKubernetesDatabases, kubernetesDatabaseOf } from '../databases/kubernetes.ts';
import { databaseRef, databaseSpecOf, loadDatabase } from '../databases/records.ts';
import { markError } from '../databases/status.ts';
import { backupStore } from '../databases/store.ts';
import { reachDatabases } from '../databases/swarm.ts';
import type { Attempt, Engine } from '../engine.ts';

export async function removeDatabase(
  engine: Engine,
  { databaseId }: JobData<'removeDatabase'>,
  attempt: Attempt,
): Promise<void> {
  const database = await loadDatabase(engine, databaseId);
  if (database?.status !== 'deleting') return;
  const ref = databaseRef(database);
  try {
    if (database.cluster.orchestrator === 'kubernetes') {
      // Objects may exist before a node is recorded (it is the pod's, once ready): always asked.
      const kube = await connectKubernetesDatabases(engine, database);
      try {
        await appStep(
          engine,
          ref,
          'database.remove',
          // As on Swarm, the data goes with the database: its claim is deleted.
          () => kube.databases.remove(kubernetesDatabaseOf(database)),
          (r) =>
            `${r.deleted.length ? r.deleted.join(', ') : 'no object left'} deleted, volume ${r.volume}`,
        );
      } finally {
        await kube.close();
      }
    } else if (database.orchestratorNodeId) {
      // No node chosen: nothing was ever deployed (the node is stored before the service).
      const swarm = await appStep(
        engine,
        ref,
        'database.connect',
        () => reachDatabases(engine, database.clusterId),
        (s) => `manager ${s.managerName} answers`,
      );
      try {
        await appStep(
          engine,
          ref,
          'database.remove',
          () => swarm.databases.remove(databaseSpecOf(database)),
          (r) =>
            `service ${r.removed ? 'removed' : 'already gone'}, ${r.secrets} secret(s), ${r.networks} network(s), volume ${r.volume}`,
        );
      } finally {
        await swarm.close();
      }
    }
    const store = backupStore(engine);
    const backups = await engine.db.databaseBackup.findMany({
      where: { databaseId, location: { not: null } },
      select: { location: true },
    });
    for (const backup of backups) if (backup.location) await store.remove(backup.location);
    if (backups.length > 0) {
      await appLog(engine, ref, 'database.remove', `${backups.length} backup(s) deleted`);
    }
    // Binding, backups, restores and the published port go with the row.
    await engine.db.managedDatabase.deleteMany({ where: { id: databaseId, status: 'deleting' } });
    await appLog(engine, ref, 'database.remove', 'removed');
  } catch (error) {
    if (attempt.final || !isRetryable(error)) {
      await markError(
        engine,
        database,
        ['deleting'],
        `removal failed: ${errorMessage(error)}`,
        // Waits for the user to ask again; the health check leaves it alone.
        'removalFailed',
      );
    }
    throw error;
  }
}
