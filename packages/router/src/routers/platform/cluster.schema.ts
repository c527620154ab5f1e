import { z } from 'zod';
import { clusterId } from '../../schemas/common.ts';
import { restOutput } from '../../schemas/rest.ts';
import { clusterRef } from '../cluster/schema.ts';
import {
  platformClusterDetail,
  platformClusterDetailToRest,
  restPlatformClusterDetail,
} from './schema.ts';

export const platformClusterInput = clusterRef;
export const platformClusterOutput = platformClusterDetail;

/** `GET /api/v1/clusters/{id}`. */
export const platformClusterRestInput = z
  .object({ id: clusterId })
  .transform(({ id }) => ({ clusterId: id }));

export const platformClusterToRestOutput = restOutput(
  restPlatformClusterDetail,
  platformClusterDetailToRest,
);
