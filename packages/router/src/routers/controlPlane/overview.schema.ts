import { z } from 'zod';
import { assignment, controlPlaneNode } from './schema.ts';

export const controlPlaneOverviewOutput = z.object({
  /** The node name of the API process that answered. */
  thisNodeName: z.string().nullable(),
  /**
   * Where an entity without a pin goes: null, the shared queues, which every worker takes
   * (Flotilla has no single default node).
   */
  defaultNodeName: z.string().nullable(),
  /** One entry per process: an API and a worker may share a node name. */
  nodes: z.array(controlPlaneNode),
  assignments: z.array(assignment),
});
