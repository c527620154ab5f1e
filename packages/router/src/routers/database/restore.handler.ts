import { newId } from '@flotilla/db';
import { writeOutboxJob } from '@flotilla/queue';
import { TRPCError } from '@trpc/server';
import { requireCluster } from '../../access.ts';
import { conflict, fieldError } from '../../errors.ts';
import type { Meta } from '../../trpc.ts';
import { databaseProcedure } from './access.ts';
import { refuseOnKubernetes } from './backup.handler.ts';
import { insertDatabase } from './placement.ts';
import { databaseRestoreInput, databaseRestoreOutput } from './restore.schema.ts';
import { databaseOut, databaseSelect, restoreOut, restoreSelect } from './rows.ts';

export const meta = {
  summary:
    'Restore a backup into the same database, another of the same engine, or a new one (asynchronous; Postgres all or nothing, Redis by replacing the data set; 501 on Kubernetes)',
  http: { method: 'POST', status: 201 },
  input: databaseRestoreInput,
  output: databaseRestoreOutput,
} satisfies Meta;

export const procedure = databaseProcedure('manage', databaseRestoreInput)
  .meta(meta)
  .output(databaseRestoreOutput)
  .mutation(async ({ ctx, input }) => {
    const source = ctx.database;
    refuseOnKubernetes(ctx.cluster, 'Restores');
    const backup = await ctx.db.databaseBackup.findFirst({
      where: { id: input.backupId, databaseId: source.id },
      select: { id: true, status: true },
    });
    if (!backup) throw fieldError('backupId', `no backup with this id of database ${source.name}`);
    if (backup.status !== 'succeeded') {
      throw fieldError('backupId', `is ${backup.status}: only a finished backup can be restored`);
    }
    let targetId = input.targetDatabaseId ?? source.id;
    if (input.targetDatabaseId && input.targetDatabaseId !== source.id) {
      const target = await ctx.db.managedDatabase.findUnique({
        where: { id: input.targetDatabaseId },
        select: { organizationId: true, clusterId: true, engine: true, name: true },
      });
      if (!target || target.organizationId !== source.organizationId) {
        throw fieldError(
          'targetDatabaseId',
          "no database with this id in the backup's organization",
        );
      }
      const access = await requireCluster(ctx, target.clusterId, 'manage');
      refuseOnKubernetes(access.cluster, 'Restores');
      if (target.engine !== source.engine) {
        throw fieldError(
          'targetDatabaseId',
          `${target.name} runs ${target.engine}: a ${source.engine} dump loads into ${source.engine} only`,
        );
      }
    }
    const registry = source.registryId
      ? await ctx.db.registry.findUnique({
          where: { id: source.registryId },
          select: { id: true, server: true },
        })
      : null;
    const result = await ctx.db.$transaction(async (tx) => {
      if (input.newDatabase) {
        if (!registry) {
          throw fieldError('newDatabase', `the registry database ${source.name} came from is gone`);
        }
        targetId = await insertDatabase(tx, ctx, {
          organizationId: source.organizationId,
          projectId: source.projectId,
          clusterId: source.clusterId,
          name: input.newDatabase.name,
          engine: source.engine,
          version: source.version,
          registry,
          publishedPort: input.newDatabase.publishedPort,
          createdById: ctx.principal.userId,
        });
      }
      const [target] = await tx.$queryRaw<{ status: string; clusterId: string }[]>`
        select status::text, "clusterId" from "ManagedDatabase" where id = ${targetId} for update`;
      if (!target) throw new TRPCError({ code: 'NOT_FOUND', message: 'Database not found' });
      if (target.status === 'deleting' || target.status === 'error') {
        throw conflict(`The target database is ${target.status}: restore into a ready one`);
      }
      const running = await tx.databaseRestore.findFirst({
        where: { databaseId: targetId, status: { in: ['queued', 'running'] } },
        select: { id: true },
      });
      if (running) throw conflict(`Restore ${running.id} into this database is not finished yet`);
      const id = newId('rst');
      const restore = await tx.databaseRestore.create({
        data: { id, databaseId: targetId, backupId: backup.id, createdById: ctx.principal.userId },
        select: restoreSelect,
      });
      // A database still being created is restored once it is ready (its create job queues this).
      if (target.status === 'ready') {
        await writeOutboxJob(tx, 'restoreDatabase', {
          clusterId: target.clusterId,
          databaseId: targetId,
          restoreId: id,
        });
      }
      const database = await tx.managedDatabase.findUniqueOrThrow({
        where: { id: targetId },
        select: databaseSelect,
      });
      return { restore: restoreOut(restore), database: databaseOut(database) };
    });
    ctx.audit.details = `Restoring backup ${backup.id} of ${source.name} into ${result.database.name}`;
    ctx.onOutboxWritten();
    return result;
  });
