import type { Meta } from '../../trpc.ts';
import { databaseProcedure } from './access.ts';
import { databaseBackupsInput, databaseBackupsOutput } from './backups.schema.ts';
import { backupOut, backupSelect, restoreOut, restoreSelect } from './rows.ts';

export const meta = {
  summary: "The database's backups and the restores into it, newest first",
  http: { method: 'GET' },
  input: databaseBackupsInput,
  output: databaseBackupsOutput,
} satisfies Meta;

export const procedure = databaseProcedure('view', databaseBackupsInput)
  .meta(meta)
  .output(databaseBackupsOutput)
  .query(async ({ ctx, input }) => {
    const [backups, restores] = await Promise.all([
      ctx.db.databaseBackup.findMany({
        where: { databaseId: ctx.database.id },
        select: backupSelect,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: input.limit,
      }),
      ctx.db.databaseRestore.findMany({
        where: { databaseId: ctx.database.id },
        select: restoreSelect,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: input.limit,
      }),
    ]);
    return { backups: backups.map(backupOut), restores: restores.map(restoreOut) };
  });
