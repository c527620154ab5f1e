import { z } from 'zod';
import { assignableEntityType, assignmentMode } from './schema.ts';

export const controlPlaneInstance = z.object({
  entityType: assignableEntityType,
  entityId: z.string(),
  name: z.string(),
  /**
   * Clusters: orchestrator, provider and region; apps: the slug and the cluster's name;
   * databases: engine, version and the cluster's name.
   */
  subtitle: z.string(),
  /** The organization. */
  tenantId: z.string(),
  tenantSlug: z.string(),
  projectId: z.string().nullable(),
  /**
   * Where its jobs are pinned; null: the shared queues. An app or database without a pin follows
   * its cluster's.
   */
  nodeName: z.string().nullable(),
  mode: assignmentMode.nullable(),
  /** The pin is the entity's own (an assignment row exists), not its cluster's or none. */
  explicit: z.boolean(),
});

export const controlPlaneInstancesOutput = z.object({ instances: z.array(controlPlaneInstance) });
