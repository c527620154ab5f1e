import { writeOutboxJob } from '@flotilla/queue';
import { conflict } from '../../errors.ts';
import type { Meta } from '../../trpc.ts';
import { databaseProcedure } from './access.ts';
import { databaseOut, databaseSelect } from './rows.ts';
import { databaseUnbindInput, databaseUnbindOutput } from './unbind.schema.ts';

export const meta = {
  summary:
    "Unbind a database from its app: the variables leave the app's secret env and the app is redeployed without them (asynchronous)",
  http: { method: 'POST' },
  input: databaseUnbindInput,
  output: databaseUnbindOutput,
} satisfies Meta;

export const procedure = databaseProcedure('manage', databaseUnbindInput)
  .meta(meta)
  .output(databaseUnbindOutput)
  .mutation(async ({ ctx }) => {
    const database = ctx.database;
    const queued = await ctx.db.$transaction(async (tx) => {
      // The binding's row is what the bind job locks too: either it applied first (then this
      // takes the variables out again) or it finds the binding gone.
      const [binding] = await tx.$queryRaw<{ id: string; status: string; appId: string }[]>`
        select id, status::text, "appId" from "DatabaseBinding"
        where "databaseId" = ${database.id} for update`;
      if (!binding) throw conflict(`Database ${database.name} is not bound to an app`);
      ctx.audit.details = `Unbound database ${database.name} from app ${binding.appId}`;
      if (binding.status === 'unbinding') return false;
      if (binding.status === 'pending') {
        // Nothing reached the app yet.
        await tx.databaseBinding.delete({ where: { id: binding.id } });
        return false;
      }
      await tx.databaseBinding.update({
        where: { id: binding.id },
        data: { status: 'unbinding' },
      });
      await writeOutboxJob(tx, 'unbindDatabase', {
        clusterId: database.clusterId,
        databaseId: database.id,
        bindingId: binding.id,
      });
      return true;
    });
    if (queued) ctx.onOutboxWritten();
    return databaseOut(
      await ctx.db.managedDatabase.findUniqueOrThrow({
        where: { id: database.id },
        select: databaseSelect,
      }),
    );
  });
