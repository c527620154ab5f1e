import { TRPCError } from '@trpc/server';
import type { AuthedContext } from '../../trpc.ts';

/**
 * The entity an assignment names, recorded on the audit entry (its organization's log shows who
 * pinned it); 404 when it does not exist. Its foreign key goes on the assignment row.
 */
export async function assignableEntity(
  ctx: AuthedContext,
  entityType: 'cluster' | 'app' | 'database',
  entityId: string,
): Promise<{ clusterId: string | null; appId: string | null; databaseId: string | null }> {
  Object.assign(ctx.audit, { targetType: entityType, targetId: entityId });
  if (entityType === 'cluster') {
    const cluster = await ctx.db.cluster.findUnique({
      where: { id: entityId },
      select: { organizationId: true },
    });
    if (!cluster) throw new TRPCError({ code: 'NOT_FOUND', message: 'Cluster not found' });
    Object.assign(ctx.audit, { organizationId: cluster.organizationId, clusterId: entityId });
    return { clusterId: entityId, appId: null, databaseId: null };
  }
  if (entityType === 'database') {
    const database = await ctx.db.managedDatabase.findUnique({
      where: { id: entityId },
      select: { organizationId: true, clusterId: true },
    });
    if (!database) throw new TRPCError({ code: 'NOT_FOUND', message: 'Database not found' });
    Object.assign(ctx.audit, {
      organizationId: database.organizationId,
      clusterId: database.clusterId,
    });
    return { clusterId: null, appId: null, databaseId: entityId };
  }
  const app = await ctx.db.app.findUnique({
    where: { id: entityId },
    select: { organizationId: true, clusterId: true },
  });
  if (!app) throw new TRPCError({ code: 'NOT_FOUND', message: 'App not found' });
  Object.assign(ctx.audit, { organizationId: app.organizationId, clusterId: app.clusterId });
  return { clusterId: null, appId: entityId, databaseId: null };
}

/**
 * Waiting jobs follow the new routing at once (the workers would move them within a heartbeat
 * anyway, so a failure here is logged, not the request's).
 */
export async function moveWaitingJobs(ctx: AuthedContext): Promise<void> {
  try {
    await ctx.rebalanceJobs();
  } catch (error) {
    ctx.log.warn({ err: error }, 'waiting jobs not moved yet; the workers will move them');
  }
}
