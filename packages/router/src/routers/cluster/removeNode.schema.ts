import { z } from 'zod';
import { clusterId, nodeId } from '../../schemas/common.ts';
import { node } from './schema.ts';

export const removeNodeInput = z.object({ clusterId, nodeId });
export const removeNodeOutput = node;
