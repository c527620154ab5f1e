import { writeOutboxJob } from '@flotilla/queue';
import { TRPCError } from '@trpc/server';
import { conflict } from '../../errors.ts';
import type { Meta } from '../../trpc.ts';
import { databaseProcedure } from './access.ts';
import { databaseRemoveInput, databaseRemoveOutput } from './remove.schema.ts';

export const meta = {
  summary:
    'Remove a managed database with its data and backups (asynchronous: `deleting` until its service, secret, network and volume are gone); refused while an app is bound to it',
  http: { method: 'DELETE', status: 204 },
  input: databaseRemoveInput,
  output: databaseRemoveOutput,
} satisfies Meta;

export const procedure = databaseProcedure('manage', databaseRemoveInput)
  .meta(meta)
  .output(databaseRemoveOutput)
  .mutation(async ({ ctx }) => {
    const database = ctx.database;
    await ctx.db.$transaction(async (tx) => {
      // Locked: a bind asked for at the same moment is either before (and refuses this) or
      // after (and refused: the database is deleting).
      const [row] = await tx.$queryRaw<{ status: string }[]>`
        select status::text from "ManagedDatabase" where id = ${database.id} for update`;
      if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: 'Database not found' });
      // Already under way: asking again changes nothing (a failed removal is `error`, and may
      // be asked for again).
      if (row.status === 'deleting') return;
      const binding = await tx.databaseBinding.findUnique({
        where: { databaseId: database.id },
        select: { app: { select: { name: true } } },
      });
      // An app whose database disappears fails at its next connection: it is unbound first,
      // which redeploys it without the variables, on purpose.
      if (binding) {
        throw conflict(
          `Database ${database.name} is bound to app "${binding.app.name}": unbind it first (database.unbind)`,
        );
      }
      await tx.managedDatabase.update({
        where: { id: database.id },
        data: {
          status: 'deleting',
          statusReason: 'removal requested',
          failureKind: null,
          statusChangedAt: new Date(),
        },
      });
      // Restores not started yet have nothing left to load into.
      await tx.databaseRestore.updateMany({
        where: { databaseId: database.id, status: 'queued' },
        data: { status: 'failed', reason: 'the database is being removed', finishedAt: new Date() },
      });
      await writeOutboxJob(tx, 'removeDatabase', {
        clusterId: database.clusterId,
        databaseId: database.id,
        requestedAt: Date.now(),
      });
    });
    ctx.audit.details = `Removed database ${database.name}`;
    ctx.onOutboxWritten();
  });
