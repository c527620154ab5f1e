import { newId } from '@flotilla/db';
import { writeOutboxJob } from '@flotilla/queue';
import { TRPCError } from '@trpc/server';
import { conflict } from '../../errors.ts';
import type { Meta } from '../../trpc.ts';
import { databaseProcedure } from './access.ts';
import { databaseBackupInput, databaseBackupOutput } from './backup.schema.ts';
import { backupOut, backupSelect } from './rows.ts';

export const meta = {
  summary:
    "Back the database up now (asynchronous: the dump runs inside its task on its node and is streamed to the control plane's backup store; 501 on Kubernetes, where it would need exec into the pod)",
  http: { method: 'POST', status: 201 },
  input: databaseBackupInput,
  output: databaseBackupOutput,
} satisfies Meta;

/**
 * A dump or a restore runs its tool inside the database's container: on Kubernetes that is the
 * kubelet's exec (`pods/exec`, a streaming upgrade), which Flotilla does not speak yet. A 501
 * saying so, before anything is written.
 */
export function refuseOnKubernetes(
  cluster: { name: string; orchestrator: 'kubernetes' | 'swarm' },
  what: 'Backups' | 'Restores',
): void {
  if (cluster.orchestrator !== 'kubernetes') return;
  throw new TRPCError({
    code: 'NOT_IMPLEMENTED',
    message: `${what} of managed databases on Kubernetes are not available yet: the dump runs inside the database's pod, which needs exec into it (cluster "${cluster.name}" runs Kubernetes)`,
  });
}

export const procedure = databaseProcedure('manage', databaseBackupInput)
  .meta(meta)
  .output(databaseBackupOutput)
  .mutation(async ({ ctx }) => {
    const database = ctx.database;
    refuseOnKubernetes(ctx.cluster, 'Backups');
    const row = await ctx.db.$transaction(async (tx) => {
      const [locked] = await tx.$queryRaw<{ status: string }[]>`
        select status::text from "ManagedDatabase" where id = ${database.id} for share`;
      if (!locked) throw new TRPCError({ code: 'NOT_FOUND', message: 'Database not found' });
      if (locked.status !== 'ready') {
        throw conflict(
          `Database ${database.name} is ${locked.status}: only a ready one is backed up`,
        );
      }
      const running = await tx.databaseBackup.findFirst({
        where: { databaseId: database.id, status: 'running' },
        select: { id: true },
      });
      if (running) {
        throw conflict(`Backup ${running.id} of database ${database.name} is still running`);
      }
      const id = newId('bak');
      const created = await tx.databaseBackup.create({
        data: { id, databaseId: database.id, createdById: ctx.principal.userId },
        select: backupSelect,
      });
      await writeOutboxJob(tx, 'backupDatabase', {
        clusterId: database.clusterId,
        databaseId: database.id,
        backupId: id,
      });
      return created;
    });
    ctx.audit.details = `Backed up database ${database.name} (${row.id})`;
    ctx.onOutboxWritten();
    return backupOut(row);
  });
