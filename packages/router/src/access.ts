// Every permission rule of the API, in one place.
//
//   organization role   owner | admin: everything in the organization (clusters, grants, SSH keys,
//                       provider credentials, invitations, the audit log); only an owner
//                       invites an owner
//                       member: sees the organization, its members, clusters and SSH keys
//   cluster grant       view: reads one cluster (nodes, logs, events); manage: also changes it
//                       (nodes, rename, delete, kubeconfig, who has access). A grant may be given
//                       to a user outside the organization; granting stays with owners/admins.
//   anything else       404, the same answer as for an id that does not exist.
//   instance admin      administers the instance above organizations (quota.set); the first
//                       user is one (User.instanceAdmin). Not implied by any organization role.
import type { OrgRole } from '@flotilla/db';
import { TRPCError } from '@trpc/server';
import type { Context } from './context.ts';
import type { Principal } from './session.ts';

type Ctx = Context & { principal: Principal };

export type ClusterPermission = 'view' | 'manage';

export const notFound = (what: string) =>
  new TRPCError({ code: 'NOT_FOUND', message: `${what} not found` });

export function isOrgAdmin(role: OrgRole | null): boolean {
  return role === 'owner' || role === 'admin';
}

export async function orgRole(ctx: Ctx, organizationId: string): Promise<OrgRole | null> {
  const membership = await ctx.db.membership.findUnique({
    where: { organizationId_userId: { organizationId, userId: ctx.principal.userId } },
    select: { role: true },
  });
  return membership?.role ?? null;
}

/** Any member; returns the caller's role. */
export async function requireOrgMember(ctx: Ctx, organizationId: string): Promise<OrgRole> {
  const role = await orgRole(ctx, organizationId);
  if (!role) {
    deny(ctx, organizationId);
    throw notFound('Organization');
  }
  ctx.audit.organizationId = organizationId;
  return role;
}

/** Owners and admins: changing the organization's clusters, keys, members. */
export async function requireOrgAdmin(ctx: Ctx, organizationId: string): Promise<OrgRole> {
  const role = await requireOrgMember(ctx, organizationId);
  if (!isOrgAdmin(role)) {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: 'This needs the owner or admin role in the organization',
    });
  }
  return role;
}

/** An instance administrator (User.instanceAdmin): quotas, and later the control plane. */
export async function requireInstanceAdmin(ctx: Ctx): Promise<void> {
  const user = await ctx.db.user.findUnique({
    where: { id: ctx.principal.userId },
    select: { instanceAdmin: true },
  });
  if (!user?.instanceAdmin) {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: 'This needs an instance administrator (organization roles do not include it)',
    });
  }
}

/**
 * A refusal of something that exists is still recorded against it (the organization's audit log
 * shows who probed), though the caller only ever sees 404.
 */
function deny(ctx: Ctx, organizationId: string, clusterId?: string): void {
  ctx.audit.organizationId = organizationId;
  if (clusterId) ctx.audit.clusterId = clusterId;
  ctx.audit.denied = true;
}

export interface ClusterAccess {
  cluster: {
    id: string;
    organizationId: string;
    name: string;
    provider: 'digitalocean' | 'hetzner' | 'aws' | 'ssh';
    orchestrator: 'kubernetes' | 'swarm';
    status: string;
  };
  role: OrgRole | null;
  permission: ClusterPermission | null;
}

/** The caller's permission on a cluster (from the organization role or a grant), null if none. */
export async function clusterPermission(
  ctx: Ctx,
  clusterId: string,
): Promise<ClusterAccess | null> {
  const cluster = await ctx.db.cluster.findUnique({
    where: { id: clusterId },
    select: {
      id: true,
      organizationId: true,
      name: true,
      provider: true,
      orchestrator: true,
      status: true,
      organization: {
        select: {
          memberships: { where: { userId: ctx.principal.userId }, select: { role: true } },
        },
      },
      grants: { where: { userId: ctx.principal.userId }, select: { permission: true } },
    },
  });
  if (!cluster) return null;
  const role = cluster.organization.memberships[0]?.role ?? null;
  const grant = cluster.grants[0]?.permission;
  const permission: ClusterPermission | null = isOrgAdmin(role)
    ? 'manage'
    : grant === 'manage'
      ? 'manage'
      : role || grant
        ? 'view'
        : null;
  const { organization: _, grants: __, ...rest } = cluster;
  return { cluster: rest, role, permission };
}

/** A cluster the caller may see (`view`) or change (`manage`); 404 when it may not see it. */
export async function requireCluster(
  ctx: Ctx,
  clusterId: string,
  needs: ClusterPermission,
): Promise<ClusterAccess> {
  const access = await clusterPermission(ctx, clusterId);
  if (!access) throw notFound('Cluster');
  if (!access.permission) {
    deny(ctx, access.cluster.organizationId, clusterId);
    throw notFound('Cluster');
  }
  ctx.audit.organizationId = access.cluster.organizationId;
  ctx.audit.clusterId = clusterId;
  if (needs === 'manage' && access.permission !== 'manage') {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: 'This needs manage permission on the cluster',
    });
  }
  return access;
}

/**
 * Something that lives on a cluster (`what`: app, stack, database): its cluster decides, like
 * `requireCluster`, but the refusals name the thing, never a cluster the caller may not know
 * exists ("App not found", "This needs manage permission on the app's cluster").
 */
export async function requireOnCluster(
  ctx: Ctx,
  what: string,
  clusterId: string,
  needs: ClusterPermission,
): Promise<ClusterAccess> {
  try {
    return await requireCluster(ctx, clusterId, needs);
  } catch (error) {
    if (error instanceof TRPCError && error.code === 'NOT_FOUND') {
      throw notFound(what.charAt(0).toUpperCase() + what.slice(1));
    }
    if (error instanceof TRPCError && error.code === 'FORBIDDEN') {
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: `This needs manage permission on the ${what}'s cluster`,
      });
    }
    throw error;
  }
}

/** Granting and revoking access: the organization's owners and admins only. */
export async function requireClusterAdmin(ctx: Ctx, clusterId: string): Promise<ClusterAccess> {
  const access = await requireCluster(ctx, clusterId, 'view');
  if (!isOrgAdmin(access.role)) {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: 'Granting access needs the owner or admin role in the organization',
    });
  }
  return access;
}

/** The clusters a user may see: every one of their organizations', and those granted to them. */
export function visibleClusters(userId: string) {
  return {
    OR: [{ organization: { memberships: { some: { userId } } } }, { grants: { some: { userId } } }],
  };
}

/**
 * The rows of an organization (apps, stacks, databases…) the caller may see: every one for a
 * member, those on clusters granted to them otherwise. `where` goes into the list's query;
 * `requireSome(total)` then answers 404 for a caller with neither a role nor a grant there, as
 * for an organization that does not exist (only an empty list needs the extra query).
 */
export async function visibleInOrganization(ctx: Ctx, organizationId: string) {
  const role = await orgRole(ctx, organizationId);
  const userId = ctx.principal.userId;
  return {
    where: { organizationId, ...(role ? {} : { cluster: { grants: { some: { userId } } } }) },
    async requireSome(total: number): Promise<void> {
      if (role || total > 0) return;
      const granted = await ctx.db.clusterAccess.count({
        where: { userId, cluster: { organizationId } },
      });
      if (granted === 0) throw notFound('Organization');
    },
  };
}
