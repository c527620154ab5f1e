import { z } from 'zod';
import { organizationId } from '../../schemas/common.ts';
import { restOutput } from '../../schemas/rest.ts';

export const platformStatsInput = z.object({
  /** Without it: all the caller's organizations together. */
  organizationId: organizationId.optional(),
});

export const platformStatsOutput = z.object({
  clusters: z.number().int(),
  /** Every node, and how many are in each of the page's states. */
  nodes: z.object({
    total: z.number().int(),
    ready: z.number().int(),
    notReady: z.number().int(),
    draining: z.number().int(),
    down: z.number().int(),
  }),
  apps: z.number().int(),
  /** Every deployment the apps ever had (history included). */
  deployments: z.number().int(),
  /** Tasks running on the clusters' servers, counted there (each count at most 15 s old). */
  runningTasks: z.number().int(),
  /** Clusters whose tasks could not be counted (no manager answered; Kubernetes): not in runningTasks. */
  uncountedClusters: z.number().int(),
  databases: z.number().int(),
});

/** `GET /api/v1/stats`: the page's platform-wide summary, snake_case. */
export const platformStatsRestInput = z
  .object({ organization_id: organizationId.optional() })
  .transform(({ organization_id }) => ({ organizationId: organization_id }));

export const platformStatsToRest = restOutput(
  z.object({
    clusters: z.number().int(),
    nodes: z.number().int(),
    nodes_by_status: z.object({
      ready: z.number().int(),
      not_ready: z.number().int(),
      draining: z.number().int(),
      down: z.number().int(),
    }),
    apps: z.number().int(),
    deployments: z.number().int(),
    running_tasks: z.number().int(),
    uncounted_clusters: z.number().int(),
    databases: z.number().int(),
  }),
  (s: z.infer<typeof platformStatsOutput>) => ({
    clusters: s.clusters,
    nodes: s.nodes.total,
    nodes_by_status: {
      ready: s.nodes.ready,
      not_ready: s.nodes.notReady,
      draining: s.nodes.draining,
      down: s.nodes.down,
    },
    apps: s.apps,
    deployments: s.deployments,
    running_tasks: s.runningTasks,
    uncounted_clusters: s.uncountedClusters,
    databases: s.databases,
  }),
);
