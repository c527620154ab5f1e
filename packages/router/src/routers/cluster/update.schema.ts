import { z } from 'zod';
import { clusterId } from '../../schemas/common.ts';
import { clusterDetail, clusterName } from './schema.ts';

export const clusterUpdateInput = z.object({ clusterId, name: clusterName });
export const clusterUpdateOutput = clusterDetail;
