import { z } from 'zod';
import { clusterId } from '../../schemas/common.ts';
import { restOutput } from '../../schemas/rest.ts';
import {
  clusterDetail,
  clusterRef,
  clusterSummaryToRest,
  nodeToRest,
  restClusterDetail,
} from './schema.ts';

export const clusterOneInput = clusterRef;
export const clusterOneOutput = clusterDetail;

/** `GET /api/v1/clusters/{id}`: the cluster's id from the path. */
export const clusterOneRestInput = z
  .object({ id: clusterId })
  .transform(({ id }) => ({ clusterId: id }));

/** A cluster with its nodes in snake_case, as REST pages show it. */
export const clusterToRest = restOutput(
  restClusterDetail,
  (cluster: z.infer<typeof clusterDetail>) => ({
    ...clusterSummaryToRest(cluster),
    nodes: cluster.nodes.map(nodeToRest),
  }),
);
