import { cloudProviders } from '@flotilla/providers/catalog';
import { z } from 'zod';
import { idSchema, organizationId, text } from '../../schemas/common.ts';
import {
  clusterDetail,
  clusterName,
  hostSchema,
  maxNodesPerCluster,
  orchestratorSchema,
  planSchema,
  roleSchema,
  sshPort,
  sshUser,
} from './schema.ts';

const cloudNodeGroup = z.object({
  role: roleSchema,
  plan: planSchema,
  count: z.number().int().min(1).max(maxNodesPerCluster),
});

const ownServer = z.object({
  role: roleSchema,
  host: hostSchema,
  port: sshPort.default(22),
  user: sshUser.default('root'),
});

const createCommon = {
  organizationId,
  name: clusterName,
  orchestrator: orchestratorSchema,
};

export const createCloudClusterInput = z.object({
  ...createCommon,
  provider: z.enum(cloudProviders),
  region: z.string().min(1).max(64),
  nodes: z.array(cloudNodeGroup).min(1).max(maxNodesPerCluster),
  providerCredentialId: idSchema.optional(),
});

export const createSshClusterInput = z.object({
  ...createCommon,
  provider: z.literal('ssh'),
  /** Free text for the user's own servers ("office", "fra-rack-2"). */
  region: text(1, 64).default('self-hosted'),
  sshKeyId: idSchema,
  nodes: z.array(ownServer).min(1).max(maxNodesPerCluster),
});

/**
 * Rules that span fields (regions and manager counts) live in the handler's `validateTopology`
 * so that their messages can name the field and list what is allowed.
 */
export const clusterCreateInput = z.discriminatedUnion('provider', [
  createCloudClusterInput,
  createSshClusterInput,
]);
export type ClusterCreateInput = z.infer<typeof clusterCreateInput>;

export const clusterCreateOutput = clusterDetail;
