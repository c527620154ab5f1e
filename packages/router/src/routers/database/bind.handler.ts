import { newId } from '@flotilla/db';
import { connectionEnv } from '@flotilla/deploy/databases/engines';
import { writeOutboxJob } from '@flotilla/queue';
import { TRPCError } from '@trpc/server';
import { requireCluster } from '../../access.ts';
import { conflict, fieldError } from '../../errors.ts';
import type { Meta } from '../../trpc.ts';
import { plainEnv } from '../app/rows.ts';
import { openSecretEnv } from '../app/secrets.ts';
import { databaseProcedure } from './access.ts';
import { databaseBindInput, databaseBindOutput } from './bind.schema.ts';
import { databaseOut, databaseSelect } from './rows.ts';

export const meta = {
  summary:
    "Bind a database to an app of its cluster: DATABASE_URL and the PG* variables (or REDIS_URL) go into the app's secret env, and the app is redeployed through its normal deploy path (asynchronous; once the database is ready)",
  http: { method: 'POST' },
  input: databaseBindInput,
  output: databaseBindOutput,
} satisfies Meta;

/** The variables a bound app receives from a database of this engine. */
export function boundVariableNames(engine: 'postgres' | 'redis'): string[] {
  return Object.keys(
    connectionEnv({ engine, host: 'h', port: 1, user: 'u', database: 'd', password: 'p' }),
  );
}

export const procedure = databaseProcedure('manage', databaseBindInput)
  .meta(meta)
  .output(databaseBindOutput)
  .mutation(async ({ ctx, input }) => {
    const database = ctx.database;
    const app = await ctx.db.app.findUnique({
      where: { id: input.appId },
      select: {
        id: true,
        name: true,
        organizationId: true,
        clusterId: true,
        status: true,
        env: true,
        secretEnvEncrypted: true,
      },
    });
    // Another organization's app is as unknown as one that does not exist.
    if (!app || app.organizationId !== database.organizationId) {
      throw fieldError('appId', "no app with this id in the database's organization");
    }
    if (app.clusterId !== database.clusterId) {
      throw fieldError(
        'appId',
        `app "${app.name}" runs on another cluster: an app reaches a managed database only on the database's own cluster`,
      );
    }
    // The app changes too (its env, a redeploy): the caller must be allowed to change it. It is
    // on the database's cluster, which the caller may already manage.
    await requireCluster(ctx, app.clusterId, 'manage');
    if (app.status === 'deleting') throw conflict(`App "${app.name}" is being removed`);
    const variables = boundVariableNames(database.engine);
    ctx.audit.details = `Bound database ${database.name} to app ${app.name}`;
    const result = await ctx.db.$transaction(async (tx) => {
      const [row] = await tx.$queryRaw<{ status: string }[]>`
        select status::text from "ManagedDatabase" where id = ${database.id} for update`;
      if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: 'Database not found' });
      if (row.status === 'deleting') throw conflict(`Database ${database.name} is being removed`);
      const existing = await tx.databaseBinding.findUnique({
        where: { databaseId: database.id },
        select: { appId: true, status: true, app: { select: { name: true } } },
      });
      if (existing) {
        // Asked again for the same app: already done (or under way).
        if (existing.appId === app.id && existing.status !== 'unbinding') return { queued: false };
        throw fieldError(
          'databaseId',
          existing.appId === app.id
            ? `is being unbound from app "${existing.app.name}": bind it again once that is done`
            : `is already bound to app "${existing.app.name}": one app per database (unbind it first)`,
        );
      }
      // The variables must be the binding's alone: a second database of the engine, or a value
      // the user set, would be overwritten without a word.
      const others = await tx.databaseBinding.findMany({
        where: { appId: app.id, database: { engine: database.engine } },
        select: { database: { select: { name: true } } },
      });
      if (others[0]) {
        throw fieldError(
          'appId',
          `app "${app.name}" is already bound to ${database.engine} database "${others[0].database.name}" (its ${variables[0]} would be overwritten)`,
        );
      }
      const own = new Set([
        ...Object.keys(plainEnv(app.env)),
        ...Object.keys(openSecretEnv(ctx.sealer, app.id, app.secretEnvEncrypted)),
      ]);
      const clash = variables.filter((name) => own.has(name));
      if (clash.length > 0) {
        throw fieldError(
          'appId',
          `app "${app.name}" already sets ${clash.join(', ')} in its env: remove ${clash.length === 1 ? 'it' : 'them'} first (app.update), the binding provides ${clash.length === 1 ? 'it' : 'them'}`,
        );
      }
      const bindingId = newId('dbb');
      await tx.databaseBinding.create({
        data: {
          id: bindingId,
          databaseId: database.id,
          appId: app.id,
          createdById: ctx.principal.userId,
        },
      });
      // A database still being created binds once it is ready (its create job queues this).
      if (row.status !== 'ready') return { queued: false };
      await writeOutboxJob(tx, 'bindDatabase', {
        clusterId: database.clusterId,
        databaseId: database.id,
        bindingId,
      });
      return { queued: true };
    });
    if (result.queued) ctx.onOutboxWritten();
    return databaseOut(
      await ctx.db.managedDatabase.findUniqueOrThrow({
        where: { id: database.id },
        select: databaseSelect,
      }),
    );
  });
