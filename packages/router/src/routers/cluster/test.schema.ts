import { z } from 'zod';
import { clusterRef } from './schema.ts';

export const clusterTestInput = clusterRef;
/** What reaching the cluster now found; `reachable: false` says why in `reason`. */
export const clusterTestOutput = z.object({
  reachable: z.boolean(),
  /** healthy: every node ready; degraded: a manager answers but some node is not ready. */
  health: z.enum(['healthy', 'degraded', 'unreachable']),
  /** The manager that answered. */
  manager: z.string().nullable(),
  orchestrator: z.enum(['swarm', 'kubernetes']),
  /** Docker Engine version of the manager (Swarm), or the k3s version. */
  version: z.string().nullable(),
  nodeCount: z.number().int(),
  readyCount: z.number().int(),
  /** Time to reach the manager over SSH. */
  latencyMs: z.number().int().nullable(),
  reason: z.string().nullable(),
});
