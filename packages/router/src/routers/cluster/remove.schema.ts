import { z } from 'zod';
import { clusterRef } from './schema.ts';

export const clusterRemoveInput = clusterRef.extend({
  /**
   * An adopted cluster (cluster.import) is only forgotten: its servers keep running as they
   * are. `true` tears it down like one Flotilla created (every server leaves the cluster and is
   * cleaned). Clusters Flotilla created are always torn down.
   */
  teardown: z.boolean().optional(),
});
export const clusterRemoveOutput = z.void();
