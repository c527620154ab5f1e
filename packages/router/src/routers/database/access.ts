import type { z } from 'zod';
import { notFound, requireOnCluster } from '../../access.ts';
import { authedProcedure } from '../../trpc.ts';
import { databaseSelect } from './rows.ts';

/**
 * A procedure on one managed database (its `input` names it by `databaseId`): the database's
 * cluster decides, `view` reads and `manage` changes (access.ts has the rules; 404 for a
 * database the caller may not see), checked after the input is validated. The row is on
 * `ctx.database`, the cluster on `ctx.cluster`; the audit entry names the database.
 */
export function databaseProcedure<I extends z.ZodType<{ databaseId: string }>>(
  needs: 'view' | 'manage',
  input: I,
) {
  return authedProcedure.input(input).use(async ({ ctx, input, next }) => {
    const { databaseId } = input as { databaseId: string };
    Object.assign(ctx.audit, { targetType: 'database', targetId: databaseId });
    const database = await ctx.db.managedDatabase.findUnique({
      where: { id: databaseId },
      select: databaseSelect,
    });
    if (!database) throw notFound('Database');
    const access = await requireOnCluster(ctx, 'database', database.clusterId, needs);
    return next({ ctx: { database, cluster: access.cluster } });
  });
}
