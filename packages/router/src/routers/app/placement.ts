// Where an app lives: its organization (named, or the caller's only one), its project (named, or
// the organization's default), its cluster (named, or the organization's default) and the port
// it is published on (named, or the lowest free one of the range), all decided in the
// transaction that writes the app.
import { newId, type Prisma } from '@flotilla/db';
import { TRPCError } from '@trpc/server';
import { fieldError } from '../../errors.ts';
import type { AuthedContext } from '../../trpc.ts';
import { publishedPortRange } from './schema.ts';

type Tx = Prisma.TransactionClient;

/**
 * The organization a request means: `organizationId` (query, body or `organization_id`), else
 * the `X-Flotilla-Organization` header, else the caller's only organization. Callers in several
 * organizations (or in none, with grants only) must say which.
 */
export async function organizationOf(
  ctx: AuthedContext,
  given: string | undefined,
): Promise<string> {
  const named = given ?? ctx.req.organizationId;
  if (named) return named;
  const memberships = await ctx.db.membership.findMany({
    where: { userId: ctx.principal.userId },
    select: { organizationId: true },
    take: 2,
  });
  const [only] = memberships;
  if (memberships.length === 1 && only) return only.organizationId;
  throw fieldError(
    'organizationId',
    memberships.length === 0
      ? 'you are in no organization: name the one meant (organizationId, or the X-Flotilla-Organization header)'
      : 'you are in several organizations: name the one meant (organizationId, or the X-Flotilla-Organization header)',
  );
}

/** The cluster an app goes to: the one named, else the organization's default. */
export async function clusterOf(
  ctx: AuthedContext,
  organizationId: string | undefined,
  clusterId: string | undefined,
): Promise<string> {
  if (clusterId) return clusterId;
  const orgId = await organizationOf(ctx, organizationId);
  const organization = await ctx.db.organization.findFirst({
    where: {
      id: orgId,
      memberships: { some: { userId: ctx.principal.userId } },
    },
    select: { defaultClusterId: true },
  });
  if (!organization) throw new TRPCError({ code: 'NOT_FOUND', message: 'Organization not found' });
  if (!organization.defaultClusterId) {
    throw fieldError(
      'clusterId',
      'is required: the organization has no default cluster (set one with cluster.setDefault)',
    );
  }
  return organization.defaultClusterId;
}

/** The organization's project with slug "default", made on first use for older organizations. */
export async function defaultProject(tx: Tx, organizationId: string): Promise<string> {
  const project = await tx.project.upsert({
    where: { organizationId_slug: { organizationId, slug: 'default' } },
    create: { id: newId('proj'), organizationId, name: 'Default', slug: 'default' },
    update: {},
    select: { id: true },
  });
  return project.id;
}

export async function projectOf(
  tx: Tx,
  organizationId: string,
  projectId: string | undefined,
): Promise<string> {
  if (!projectId) return defaultProject(tx, organizationId);
  const project = await tx.project.findFirst({
    where: { id: projectId, organizationId },
    select: { id: true },
  });
  if (!project) throw fieldError('projectId', 'no project with this id in the organization');
  return project.id;
}

/**
 * Serialises the port and service-name choices of one cluster for the rest of the transaction,
 * so two apps created at once cannot pick the same free port (the primary key of PublishedPort
 * is the last guard).
 */
export async function lockClusterPlacement(tx: Tx, clusterId: string): Promise<void> {
  await tx.$executeRaw`select pg_advisory_xact_lock(hashtext(${`app-placement:${clusterId}`}))`;
}

/** Claims `port` on the cluster for the app, or the lowest free one of the range. */
export async function claimPublishedPort(
  tx: Tx,
  clusterId: string,
  appId: string,
  port: number | undefined,
): Promise<number> {
  if (port !== undefined) {
    const owner = await tx.publishedPort.findUnique({
      where: { clusterId_port: { clusterId, port } },
      select: { appId: true, app: { select: { name: true } } },
    });
    if (owner && owner.appId !== appId) {
      throw fieldError(
        'publishedPort',
        `port ${port} is already published on this cluster${owner.app ? ` by app "${owner.app.name}"` : ''}`,
      );
    }
    if (!owner) await tx.publishedPort.create({ data: { clusterId, port, appId } });
    return port;
  }
  const [free] = await tx.$queryRaw<{ port: number }[]>`
    select candidate::int as port
    from generate_series(${publishedPortRange.min}::int, ${publishedPortRange.max}::int) candidate
    where not exists (
      select 1 from "PublishedPort" p where p."clusterId" = ${clusterId} and p.port = candidate)
    order by candidate limit 1`;
  if (!free) {
    throw fieldError(
      'publishedPort',
      `every port of ${publishedPortRange.min}–${publishedPortRange.max} is taken on this cluster; name one`,
    );
  }
  await tx.publishedPort.create({ data: { clusterId, port: free.port, appId } });
  return free.port;
}

/** The service name on the cluster: the slug, or the slug with a suffix when another app has it. */
export async function serviceNameFor(tx: Tx, clusterId: string, slug: string): Promise<string> {
  const taken = await tx.app.findUnique({
    where: { clusterId_serviceName: { clusterId, serviceName: slug } },
    select: { id: true },
  });
  if (!taken) return slug;
  return `${slug}-${newId('x').slice(2, 8)}`;
}

/** One app per domain on a cluster (its Ingress host, or later its proxy route). */
export async function refuseTakenDomain(
  tx: Tx,
  clusterId: string,
  domain: string,
  appId: string | null,
): Promise<void> {
  const other = await tx.app.findFirst({
    where: { clusterId, domain, ...(appId ? { id: { not: appId } } : {}) },
    select: { name: true },
  });
  if (other) throw fieldError('domain', `is used by app "${other.name}" on this cluster`);
}
