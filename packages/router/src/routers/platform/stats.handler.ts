import { requireOrgMember } from '../../access.ts';
import { authedProcedure, type Meta } from '../../trpc.ts';
import { platformStatsInput, platformStatsOutput } from './stats.schema.ts';

export const meta = {
  summary:
    "What runs for the caller's organizations: clusters, nodes by state, apps, deployments, databases, and the tasks running on the servers (counted there, at most 15 s old)",
  http: { method: 'GET' },
  input: platformStatsInput,
  output: platformStatsOutput,
} satisfies Meta;

export const procedure = authedProcedure
  .meta(meta)
  .input(platformStatsInput)
  .output(platformStatsOutput)
  .query(async ({ ctx, input }) => {
    let organizations: string[];
    if (input.organizationId) {
      await requireOrgMember(ctx, input.organizationId);
      organizations = [input.organizationId];
    } else {
      const memberships = await ctx.db.membership.findMany({
        where: { userId: ctx.principal.userId },
        select: { organizationId: true },
      });
      organizations = memberships.map((m) => m.organizationId);
    }
    const inOrgs = { organizationId: { in: organizations } };
    const [clusters, nodeStates, apps, deployments, databases] = await Promise.all([
      ctx.db.cluster.findMany({ where: inOrgs, select: { id: true, orchestrator: true } }),
      // The page's node state, as nodeStateOf (cluster/rows.ts) decides it for one node.
      ctx.db.$queryRaw<{ state: 'ready' | 'not_ready' | 'draining' | 'down'; count: number }[]>`
        select case
            when n.status = 'down' then 'down'
            when n.status = 'draining' then 'draining'
            when n.status <> 'running' then 'not_ready'
            when (case when n."availabilityApplied" < n."availabilityGeneration" then n.availability
                       else coalesce(n."reportedAvailability", n.availability) end) = 'active'
              then 'ready'
            else 'draining'
          end as state,
          count(*)::int as count
        from "Node" n join "Cluster" c on c.id = n."clusterId"
        where c."organizationId" = any(${organizations})
        group by 1`,
      ctx.db.app.count({ where: inOrgs }),
      ctx.db.deployment.count({ where: { app: inOrgs } }),
      ctx.db.managedDatabase.count({ where: inOrgs }),
    ]);
    const running = await ctx.runningTasks.count(clusters);
    const counted = [...running.values()].filter((n): n is number => n !== null);
    const byState = Object.fromEntries(nodeStates.map((row) => [row.state, row.count]));
    const ready = byState.ready ?? 0;
    const notReady = byState.not_ready ?? 0;
    const draining = byState.draining ?? 0;
    const down = byState.down ?? 0;
    return {
      clusters: clusters.length,
      nodes: { total: ready + notReady + draining + down, ready, notReady, draining, down },
      apps,
      deployments,
      runningTasks: counted.reduce((sum, n) => sum + n, 0),
      uncountedClusters: clusters.length - counted.length,
      databases,
    };
  });
