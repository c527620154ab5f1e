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
import type { OrgRole } from '@flotilla/db';
import { TRPCError } from '@trpc/server';
import type { Context } from './context.ts';
import type { Principal } from './session.ts';

type Ctx = Context & { principal: Principal };

export type ClusterPermission = 'view' | 'manage';

const notFound = (what: string) =>
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
