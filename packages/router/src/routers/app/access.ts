import type { z } from 'zod';
import { notFound, requireOnCluster } from '../../access.ts';
import { authedProcedure } from '../../trpc.ts';
import { appSelect } from './rows.ts';

/**
 * A procedure on one app (its `input` names it by `appId`): the app's cluster decides, `view`
 * reads and `manage` changes (access.ts has the rules; 404 for an app the caller may not see),
 * checked after the input is validated. The app's row is on `ctx.app`, the caller's permission on
 * `ctx.appPermission`; the audit entry names the app as its target.
 */
export function appProcedure<I extends z.ZodType<{ appId: string }>>(
  needs: 'view' | 'manage',
  input: I,
) {
  return authedProcedure.input(input).use(async ({ ctx, input, next }) => {
    const { appId } = input as { appId: string };
    Object.assign(ctx.audit, { targetType: 'app', targetId: appId });
    const app = await ctx.db.app.findUnique({ where: { id: appId }, select: appSelect });
    if (!app) throw notFound('App');
    const access = await requireOnCluster(ctx, 'app', app.clusterId, needs);
    return next({ ctx: { app, appPermission: access.permission, cluster: access.cluster } });
  });
}
