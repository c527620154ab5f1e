import { z } from 'zod';
import { clusterId } from '../../schemas/common.ts';
import { hostSchema, node, planSchema, roleSchema, sshPort, sshUser } from './schema.ts';

export const addNodeInput = z.object({
  clusterId,
  role: roleSchema,
  /** Cloud clusters: the plan of the new machine. */
  plan: planSchema.optional(),
  /** `ssh` clusters: the server to take in. */
  host: hostSchema.optional(),
  port: sshPort.optional(),
  user: sshUser.optional(),
});
export const addNodeOutput = node;
