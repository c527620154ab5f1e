import { newId, type Prisma } from '@flotilla/db';
import { transitionCluster, transitionNode } from '@flotilla/lifecycle';
import { writeOutboxJob } from '@flotilla/queue';
import { kubeconfigContext } from '@flotilla/secrets';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { requireCluster, requireClusterAdmin, requireOrgAdmin } from '../access.ts';
import { clusterOut, listClusters, nodeOut } from '../cluster-rows.ts';
import type { Context } from '../context.ts';
import { fieldError } from '../errors.ts';
import type { EventHub } from '../events.ts';
import { idempotent } from '../idempotency.ts';
import {
  addNodeInput,
  type ClusterCreateInput,
  clusterAllInput,
  clusterAllOutput,
  clusterCreateInput,
  clusterDetail,
  type clusterEvent,
  clusterEventsInput,
  clusterRef,
  clusterUpdateInput,
  grant,
  grantAccessInput,
  kubeconfigOutput,
  listAccessOutput,
  logsInput,
  logsOutput,
  maxNodesPerCluster,
  node,
  removeNodeInput,
  revokeAccessInput,
} from '../schemas/index.ts';
import type { Principal } from '../session.ts';
import { managerRule, swarmManagerRule, validateTopology } from '../topology.ts';
import { authedProcedure, router } from '../trpc.ts';

type Ctx = Context & { principal: Principal };
type Tx = Prisma.TransactionClient;

const conflict = (message: string) => new TRPCError({ code: 'CONFLICT', message });

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === 'P2002';
}

async function clusterDetailOf(db: Ctx['db'] | Tx, clusterId: string) {
  const cluster = await db.cluster.findUnique({
    where: { id: clusterId },
    include: { nodes: { orderBy: { ordinal: 'asc' } } },
  });
  if (!cluster) throw new TRPCError({ code: 'NOT_FOUND', message: 'Cluster not found' });
  return { ...clusterOut(cluster, cluster.nodes.length), nodes: cluster.nodes.map(nodeOut) };
}

/** The node rows a create asks for, managers first: the lowest ordinal forms the control plane. */
function plannedNodes(input: ClusterCreateInput) {
  if (input.provider === 'ssh') {
    return [...input.nodes]
      .sort((a, b) => (a.role === b.role ? 0 : a.role === 'manager' ? -1 : 1))
      .map((n) => ({
        role: n.role,
        plan: null,
        address: n.host,
        sshPort: n.port,
        sshUser: n.user,
      }));
  }
  return [...input.nodes]
    .sort((a, b) => (a.role === b.role ? 0 : a.role === 'manager' ? -1 : 1))
    .flatMap((group) =>
      Array.from({ length: group.count }, () => ({ role: group.role, plan: group.plan })),
    );
}

/** SSH keys and provider credentials must be the organization's own. */
async function checkReferences(ctx: Ctx, input: ClusterCreateInput): Promise<void> {
  if (input.provider === 'ssh') {
    const key = await ctx.db.sshKey.findFirst({
      where: { id: input.sshKeyId, organizationId: input.organizationId },
      select: { id: true },
    });
    if (!key) throw fieldError('sshKeyId', 'no SSH key with this id in the organization');
  } else if (input.providerCredentialId) {
    const credential = await ctx.db.providerCredential.findFirst({
      where: { id: input.providerCredentialId, organizationId: input.organizationId },
      select: { provider: true },
    });
    if (!credential) {
      throw fieldError(
        'providerCredentialId',
        'no provider credential with this id in the organization',
      );
    }
    if (credential.provider !== input.provider) {
      throw fieldError(
        'providerCredentialId',
        `this credential is for ${credential.provider}, not ${input.provider}`,
      );
    }
  }
}

/** Live (not leaving) nodes of a cluster, read under the cluster's row lock. */
async function lockedLiveNodes(tx: Tx, clusterId: string) {
  const [cluster] = await tx.$queryRaw<{ status: string }[]>`
    select status from "Cluster" where id = ${clusterId} for update`;
  if (!cluster) throw new TRPCError({ code: 'NOT_FOUND', message: 'Cluster not found' });
  if (cluster.status === 'deleting') throw conflict('The cluster is being deleted');
  const nodes = await tx.node.findMany({
    where: { clusterId },
    select: { id: true, role: true, status: true, ordinal: true },
  });
  return {
    all: nodes,
    live: nodes.filter((n) => n.status !== 'deleting'),
  };
}

function linkHeader(input: z.infer<typeof clusterAllInput>, total: number): string {
  const last = Math.max(1, Math.ceil(total / input.limit));
  // Only the page differs between the links: the rest is encoded once.
  const organization = new URLSearchParams({ organizationId: input.organizationId });
  const rest = new URLSearchParams({
    limit: String(input.limit),
    sort: input.sort,
    order: input.order,
    ...(input.search ? { search: input.search } : {}),
    ...(input.status ? { status: input.status } : {}),
  });
  const at = (page: number) => `</api/cluster.all?${organization}&page=${page}&${rest}>`;
  const links = [`${at(1)}; rel="first"`, `${at(last)}; rel="last"`];
  if (input.page > 1) links.push(`${at(Math.min(input.page - 1, last))}; rel="prev"`);
  if (input.page < last) links.push(`${at(input.page + 1)}; rel="next"`);
  return links.join(', ');
}

type ClusterEvent = z.infer<typeof clusterEvent>;

const maxReplayedLines = 1_000;

async function* streamEvents(
  db: Ctx['db'],
  hub: EventHub,
  clusterId: string,
  afterLogId: bigint | undefined,
  signal: AbortSignal | undefined,
): AsyncGenerator<ClusterEvent> {
  const pending: ClusterEvent[] = [];
  let wake: (() => void) | null = null;
  const unsubscribe = hub.subscribe(clusterId, (event) => {
    // A client that stops reading loses the oldest events, not our memory.
    if (pending.length >= 1_000) pending.shift();
    pending.push(event);
    wake?.();
  });
  const aborted = new Promise<void>((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  // Subscribed first, read the table second: a line written in between arrives twice at most,
  // and the second copy is dropped by its id.
  let replayedUpTo = -1n;
  try {
    if (afterLogId !== undefined) {
      const missed = await db.provisioningLog.findMany({
        where: { clusterId, id: { gt: afterLogId } },
        orderBy: { id: 'asc' },
        take: maxReplayedLines,
      });
      for (const row of missed) {
        replayedUpTo = row.id;
        yield {
          kind: 'log',
          clusterId,
          id: row.id.toString(),
          nodeId: row.nodeId,
          step: row.step,
          level: row.level,
          message: row.message,
          at: row.createdAt.toISOString(),
        };
      }
    }
    while (!signal?.aborted) {
      const event = pending.shift();
      if (event) {
        if (event.kind === 'log' && BigInt(event.id) <= replayedUpTo) continue;
        yield event;
        continue;
      }
      await Promise.race([
        new Promise<void>((resolve) => {
          wake = resolve;
        }),
        aborted,
      ]);
      wake = null;
    }
  } finally {
    unsubscribe();
  }
}

export const clusterRouter = router({
  all: authedProcedure
    .meta({
      http: { method: 'GET' },
      summary: "The organization's clusters (total in X-Total-Count, pages in Link)",
      // The hottest read: rows come from the typed mapper `clusterOut`, so the schema documents
      // the result instead of re-validating every row of every page.
      documentedOutput: clusterAllOutput,
    })
    .input(clusterAllInput)
    .query(async ({ ctx, input }) => {
      const page = await listClusters(ctx.sql, ctx.principal.userId, input);
      if (!page.role && page.total === 0) {
        throw new TRPCError({ code: 'NOT_FOUND', message: 'Organization not found' });
      }
      ctx.resHeaders['x-total-count'] = String(page.total);
      ctx.resHeaders.link = linkHeader(input, page.total);
      return page.rows;
    }),

  one: authedProcedure
    .meta({ http: { method: 'GET' }, summary: 'A cluster with its nodes' })
    .input(clusterRef)
    .output(clusterDetail)
    .query(async ({ ctx, input }) => {
      await requireCluster(ctx, input.clusterId, 'view');
      return clusterDetailOf(ctx.db, input.clusterId);
    }),

  create: authedProcedure
    .meta({
      http: { method: 'POST', status: 201 },
      summary: 'Provision a new cluster (asynchronous: answers at once, in `provisioning`)',
    })
    .input(clusterCreateInput)
    .output(clusterDetail)
    .mutation(async ({ ctx, input }) => {
      await requireOrgAdmin(ctx, input.organizationId);
      validateTopology(input);
      await checkReferences(ctx, input);
      ctx.audit.targetType = 'cluster';
      try {
        const result = await idempotent(ctx, 'cluster.create', input, async (tx) => {
          const taken = await tx.cluster.findUnique({
            where: {
              organizationId_name: { organizationId: input.organizationId, name: input.name },
            },
            select: { id: true },
          });
          if (taken) throw conflict(`A cluster named "${input.name}" exists in this organization`);
          const clusterId = newId('cls');
          await tx.cluster.create({
            data: {
              id: clusterId,
              organizationId: input.organizationId,
              name: input.name,
              provider: input.provider,
              region: input.region,
              orchestrator: input.orchestrator,
              status: 'provisioning',
              statusReason: 'cluster requested',
              sshKeyId: input.provider === 'ssh' ? input.sshKeyId : null,
              providerCredentialId:
                input.provider === 'ssh' ? null : (input.providerCredentialId ?? null),
              createdById: ctx.principal.userId,
            },
          });
          await tx.node.createMany({
            data: plannedNodes(input).map((planned, index) => ({
              id: newId('node'),
              clusterId,
              name: `${input.name}-${index + 1}`,
              ordinal: index + 1,
              status: 'provisioning' as const,
              ...planned,
            })),
          });
          await tx.statusTransition.create({
            data: { clusterId, toStatus: 'provisioning', reason: 'cluster requested' },
          });
          await writeOutboxJob(tx, 'provisionCluster', { clusterId });
          return clusterDetailOf(tx, clusterId);
        });
        ctx.audit.clusterId = result.id;
        ctx.audit.targetId = result.id;
        ctx.onOutboxWritten();
        return result;
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw conflict(`A cluster named "${input.name}" exists in this organization`);
        }
        throw error;
      }
    }),

  update: authedProcedure
    .meta({ http: { method: 'PATCH' }, summary: 'Rename a cluster' })
    .input(clusterUpdateInput)
    .output(clusterDetail)
    .mutation(async ({ ctx, input }) => {
      const { cluster } = await requireCluster(ctx, input.clusterId, 'manage');
      Object.assign(ctx.audit, { targetType: 'cluster', targetId: cluster.id });
      if (cluster.status === 'deleting') throw conflict('The cluster is being deleted');
      try {
        await ctx.db.cluster.update({ where: { id: cluster.id }, data: { name: input.name } });
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw conflict(`A cluster named "${input.name}" exists in this organization`);
        }
        throw error;
      }
      return clusterDetailOf(ctx.db, cluster.id);
    }),

  remove: authedProcedure
    .meta({
      http: { method: 'DELETE', status: 204 },
      summary: 'Destroy a cluster: every machine it created, then the cluster',
    })
    .input(clusterRef)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      const { cluster } = await requireCluster(ctx, input.clusterId, 'manage');
      Object.assign(ctx.audit, { targetType: 'cluster', targetId: cluster.id });
      await ctx.db.$transaction(async (tx) => {
        const moved = await transitionCluster(
          tx,
          cluster.id,
          'deleting',
          `deletion requested by ${ctx.principal.email}`,
        );
        // Asking twice is harmless; the second request enqueues nothing new.
        if (moved.changed) await writeOutboxJob(tx, 'deleteCluster', { clusterId: cluster.id });
      });
      ctx.onOutboxWritten();
    }),

  nodes: authedProcedure
    .meta({ http: { method: 'GET' }, summary: 'The nodes of a cluster' })
    .input(clusterRef)
    .output(z.array(node))
    .query(async ({ ctx, input }) => {
      await requireCluster(ctx, input.clusterId, 'view');
      const nodes = await ctx.db.node.findMany({
        where: { clusterId: input.clusterId },
        orderBy: { ordinal: 'asc' },
      });
      return nodes.map(nodeOut);
    }),

  addNode: authedProcedure
    .meta({
      http: { method: 'POST', status: 201 },
      summary: 'Add a node; it is provisioned and joins the cluster by itself',
    })
    .input(addNodeInput)
    .output(node)
    .mutation(async ({ ctx, input }) => {
      const { cluster } = await requireCluster(ctx, input.clusterId, 'manage');
      ctx.audit.targetType = 'node';
      if (cluster.provider === 'ssh') {
        if (!input.host) throw fieldError('host', 'required for a cluster of your own servers');
        if (input.plan) throw fieldError('plan', 'not used for your own servers (give host)');
      } else {
        if (!input.plan) throw fieldError('plan', 'required (nano, micro, small, medium, power)');
        if (input.host) throw fieldError('host', `not used for ${cluster.provider} clusters`);
      }
      const created = await idempotent(ctx, 'cluster.addNode', input, async (tx) => {
        const { all, live } = await lockedLiveNodes(tx, cluster.id);
        if (live.length + 1 > maxNodesPerCluster) {
          throw fieldError(
            'clusterId',
            `the cluster already has ${live.length} nodes (at most ${maxNodesPerCluster})`,
          );
        }
        if (input.role === 'manager') {
          const rule = managerRule(
            cluster.orchestrator,
            live.filter((n) => n.role === 'manager').length + 1,
          );
          if (rule) throw fieldError('role', `adding one manager is refused: ${rule}`);
        }
        const ordinal = Math.max(0, ...all.map((n) => n.ordinal)) + 1;
        const row = await tx.node.create({
          data: {
            id: newId('node'),
            clusterId: cluster.id,
            name: `${cluster.name}-${ordinal}`,
            ordinal,
            role: input.role,
            plan: input.plan ?? null,
            status: 'provisioning',
            statusReason: 'node requested',
            ...(input.host
              ? { address: input.host, sshPort: input.port ?? 22, sshUser: input.user ?? 'root' }
              : {}),
          },
        });
        await tx.statusTransition.create({
          data: {
            clusterId: cluster.id,
            nodeId: row.id,
            toStatus: 'provisioning',
            reason: 'node requested',
          },
        });
        await writeOutboxJob(tx, 'provisionNode', { clusterId: cluster.id, nodeId: row.id });
        return nodeOut(row);
      });
      ctx.audit.targetId = created.id;
      ctx.onOutboxWritten();
      return created;
    }),

  removeNode: authedProcedure
    .meta({
      http: { method: 'DELETE' },
      summary: 'Remove a node: drained (workloads move), leaves, its machine is destroyed',
    })
    .input(removeNodeInput)
    .output(node)
    .mutation(async ({ ctx, input }) => {
      const { cluster } = await requireCluster(ctx, input.clusterId, 'manage');
      Object.assign(ctx.audit, { targetType: 'node', targetId: input.nodeId });
      const removed = await ctx.db.$transaction(async (tx) => {
        const { live } = await lockedLiveNodes(tx, cluster.id);
        const target = await tx.node.findFirst({
          where: { id: input.nodeId, clusterId: cluster.id },
        });
        if (!target)
          throw new TRPCError({ code: 'NOT_FOUND', message: 'Node not found in this cluster' });
        if (target.status === 'deleting') return nodeOut(target);
        const rest = live.filter((n) => n.id !== target.id);
        const managersLeft = rest.filter((n) => n.role === 'manager').length;
        if (target.role === 'manager') {
          if (managersLeft === 0 && rest.length > 0) {
            throw conflict(
              `${target.name} is the last manager and ${rest.length} worker(s) depend on it; remove the workers first or delete the cluster`,
            );
          }
          if (rest.length === 0)
            throw conflict(`${target.name} is the last node; delete the cluster instead`);
          const rule = cluster.orchestrator === 'swarm' ? swarmManagerRule(managersLeft) : null;
          if (rule) throw conflict(`removing ${target.name} is refused: ${rule}`);
        }
        await transitionNode(
          tx,
          target.id,
          'deleting',
          `removal requested by ${ctx.principal.email}`,
        );
        await writeOutboxJob(tx, 'removeNode', { clusterId: cluster.id, nodeId: target.id });
        return nodeOut({ ...target, status: 'deleting', statusReason: 'removal requested' });
      });
      ctx.onOutboxWritten();
      return removed;
    }),

  grantAccess: authedProcedure
    .meta({
      http: { method: 'POST' },
      summary: 'Give a user view or manage permission on the cluster',
    })
    .input(grantAccessInput)
    .output(grant)
    .mutation(async ({ ctx, input }) => {
      const { cluster } = await requireClusterAdmin(ctx, input.clusterId);
      const user = await ctx.db.user.findFirst({
        where: input.userId
          ? { id: input.userId }
          : { email: (input.email as string).toLowerCase() },
      });
      if (!user) throw new TRPCError({ code: 'NOT_FOUND', message: 'User not found' });
      Object.assign(ctx.audit, { targetType: 'user', targetId: user.id });
      const row = await ctx.db.clusterAccess.upsert({
        where: { clusterId_userId: { clusterId: cluster.id, userId: user.id } },
        create: {
          id: newId('grant'),
          clusterId: cluster.id,
          userId: user.id,
          permission: input.permission,
          grantedById: ctx.principal.userId,
        },
        update: { permission: input.permission, grantedById: ctx.principal.userId },
      });
      return {
        userId: user.id,
        email: user.email,
        name: user.name,
        permission: row.permission,
        createdAt: row.createdAt.toISOString(),
      };
    }),

  listAccess: authedProcedure
    .meta({ http: { method: 'GET' }, summary: 'Who has been granted access to the cluster' })
    .input(clusterRef)
    .output(listAccessOutput)
    .query(async ({ ctx, input }) => {
      await requireCluster(ctx, input.clusterId, 'manage');
      const rows = await ctx.db.clusterAccess.findMany({
        where: { clusterId: input.clusterId },
        include: { user: true },
        orderBy: { createdAt: 'asc' },
      });
      return rows.map((row) => ({
        userId: row.userId,
        email: row.user.email,
        name: row.user.name,
        permission: row.permission,
        createdAt: row.createdAt.toISOString(),
      }));
    }),

  revokeAccess: authedProcedure
    .meta({ http: { method: 'DELETE', status: 204 }, summary: "Take a user's grant away" })
    .input(revokeAccessInput)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      await requireClusterAdmin(ctx, input.clusterId);
      Object.assign(ctx.audit, { targetType: 'user', targetId: input.userId });
      const removed = await ctx.db.clusterAccess.deleteMany({
        where: { clusterId: input.clusterId, userId: input.userId },
      });
      if (removed.count === 0)
        throw new TRPCError({ code: 'NOT_FOUND', message: 'Grant not found' });
    }),

  logs: authedProcedure
    .meta({
      http: { method: 'GET' },
      summary: 'Provisioning log lines, oldest first, paged by cursor',
    })
    .input(logsInput)
    .output(logsOutput)
    .query(async ({ ctx, input }) => {
      await requireCluster(ctx, input.clusterId, 'view');
      const rows = await ctx.db.provisioningLog.findMany({
        where: {
          clusterId: input.clusterId,
          ...(input.nodeId ? { nodeId: input.nodeId } : {}),
          ...(input.cursor !== undefined ? { id: { gt: BigInt(input.cursor) } } : {}),
        },
        orderBy: { id: 'asc' },
        take: input.limit + 1,
      });
      const page = rows.slice(0, input.limit);
      return {
        items: page.map((row) => ({
          id: row.id.toString(),
          nodeId: row.nodeId,
          step: row.step,
          level: row.level,
          message: row.message,
          createdAt: row.createdAt.toISOString(),
        })),
        nextCursor: rows.length > input.limit ? (page.at(-1)?.id.toString() ?? null) : null,
      };
    }),

  kubeconfig: authedProcedure
    .meta({
      http: { method: 'GET' },
      summary: 'The admin kubeconfig of a Kubernetes cluster (manage permission; audited)',
      audit: true,
    })
    .input(clusterRef)
    .output(kubeconfigOutput)
    .query(async ({ ctx, input }) => {
      const { cluster } = await requireCluster(ctx, input.clusterId, 'manage');
      Object.assign(ctx.audit, { targetType: 'kubeconfig', targetId: cluster.id });
      if (cluster.orchestrator !== 'kubernetes') {
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: 'Only Kubernetes clusters have a kubeconfig',
        });
      }
      const row = await ctx.db.cluster.findUniqueOrThrow({
        where: { id: cluster.id },
        select: { kubeconfigEncrypted: true, status: true },
      });
      if (!row.kubeconfigEncrypted) {
        throw conflict(`The kubeconfig is not ready yet (cluster is ${row.status})`);
      }
      return {
        kubeconfig: ctx.sealer.open(row.kubeconfigEncrypted, kubeconfigContext(cluster.id)),
      };
    }),

  events: authedProcedure
    .meta({
      http: { method: 'GET' },
      summary: 'Live status changes and log lines of a cluster (server-sent events)',
    })
    .input(clusterEventsInput)
    .subscription(async ({ ctx, input, signal }) => {
      // Checked before the stream starts, so a refusal is a plain 404/403, not a broken stream.
      await requireCluster(ctx, input.clusterId, 'view');
      const hub = ctx.events;
      if (!hub)
        throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'Live events are off' });
      const after = input.afterLogId === undefined ? undefined : BigInt(input.afterLogId);
      return streamEvents(ctx.db, hub, input.clusterId, after, signal);
    }),
});
