import { clusterStatuses, nodeStatuses } from '@flotilla/lifecycle';
import { cloudProviders, plans } from '@flotilla/providers/catalog';
import { z } from 'zod';
import {
  clusterId,
  idSchema,
  isoDate,
  listInput,
  nodeId,
  organizationId,
  text,
  userId,
} from './common.ts';

export const providerSchema = z.enum([...cloudProviders, 'ssh']);
export const orchestratorSchema = z.enum(['kubernetes', 'swarm']);
export const roleSchema = z.enum(['manager', 'worker']);
export const planSchema = z.enum(plans);
// The state machine's own lists: a status added there is accepted here.
export const clusterStatusSchema = z.enum(clusterStatuses);
export const nodeStatusSchema = z.enum(nodeStatuses);
export const permissionSchema = z.enum(['view', 'manage']);

/** Node hostnames are `<cluster name>-<ordinal>`, so a cluster name must make a DNS label. */
export const clusterName = z
  .string()
  .trim()
  .min(1)
  .max(50)
  .regex(
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/,
    'lower-case letters, digits and inner hyphens only (it becomes part of each node hostname)',
  );

const dnsName = z.hostname();
const ipAddress = z.union([z.ipv4(), z.ipv6()]);
/** An address the worker connects to over SSH: an IP address or a DNS name, nothing else. */
export const hostSchema = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .refine((value) => {
    if (ipAddress.safeParse(value).success) return true;
    // A dotted run of digits that is not a valid IPv4 address is a typo, not a hostname.
    if (/^[\d.]+$/.test(value)) return false;
    return dnsName.safeParse(value).success;
  }, 'must be an IPv4 or IPv6 address or a DNS name');

export const sshUser = z
  .string()
  .regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'must be a Unix user name (lower-case, digits, _ and -)');
export const sshPort = z.coerce.number().int().min(1).max(65_535);

export const maxNodesPerCluster = 100;

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

export const clusterSummary = z.object({
  id: z.string(),
  organizationId: z.string(),
  name: z.string(),
  provider: providerSchema,
  region: z.string(),
  orchestrator: orchestratorSchema,
  status: clusterStatusSchema,
  statusReason: z.string().nullable(),
  nodeCount: z.number().int(),
  createdAt: isoDate,
  updatedAt: isoDate,
});

export const node = z.object({
  id: z.string(),
  name: z.string(),
  role: roleSchema,
  plan: planSchema.nullable(),
  ip: z.string().nullable(),
  status: nodeStatusSchema,
  statusReason: z.string().nullable(),
  ordinal: z.number().int(),
  createdAt: isoDate,
});

export const clusterDetail = clusterSummary.extend({ nodes: z.array(node) });

export const clusterSortFields = ['createdAt', 'name', 'status', 'provider', 'region'] as const;
export const clusterAllInput = listInput(clusterSortFields, 'createdAt').extend({
  organizationId,
  status: clusterStatusSchema.optional(),
});
/** A bare array as the contract shows; the total travels in `X-Total-Count`. */
export const clusterAllOutput = z.array(clusterSummary);

export const clusterRef = z.object({ clusterId });

export const clusterEventsInput = clusterRef.extend({
  /**
   * Replay the log lines after this one first (the last id from `cluster.logs`, or the SSE
   * `Last-Event-ID`), so history and live stream join without a gap.
   */
  afterLogId: z
    .string()
    .regex(/^\d{1,18}$/, 'must be a log line id')
    .optional(),
});
export const clusterUpdateInput = z.object({ clusterId, name: clusterName });

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

export const removeNodeInput = z.object({ clusterId, nodeId });

export const grantAccessInput = z
  .object({
    clusterId,
    userId: userId.optional(),
    email: z.email().max(254).optional(),
    permission: permissionSchema,
  })
  .refine((value) => value.userId !== undefined || value.email !== undefined, {
    message: 'give userId or email',
    path: ['userId'],
  });

export const grant = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  permission: permissionSchema,
  createdAt: isoDate,
});
export const listAccessOutput = z.array(grant);
export const revokeAccessInput = z.object({ clusterId, userId });

export const logsInput = z.object({
  clusterId,
  nodeId: nodeId.optional(),
  /** Lines after this id (the `nextCursor` of the previous page). */
  cursor: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const logLine = z.object({
  id: z.string(),
  nodeId: z.string().nullable(),
  step: z.string(),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string(),
  createdAt: isoDate,
});
export const logsOutput = z.object({ items: z.array(logLine), nextCursor: z.string().nullable() });

export const kubeconfigOutput = z.object({ kubeconfig: z.string() });

export const clusterEvent = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('cluster'),
    clusterId: z.string(),
    from: clusterStatusSchema.nullable(),
    to: clusterStatusSchema,
    reason: z.string().nullable(),
    at: isoDate,
  }),
  z.object({
    kind: z.literal('node'),
    clusterId: z.string(),
    nodeId: z.string(),
    from: nodeStatusSchema.nullable(),
    to: nodeStatusSchema,
    reason: z.string().nullable(),
    at: isoDate,
  }),
  z.object({
    kind: z.literal('log'),
    clusterId: z.string(),
    id: z.string(),
    nodeId: z.string().nullable(),
    step: z.string(),
    level: z.enum(['debug', 'info', 'warn', 'error']),
    message: z.string(),
    at: isoDate,
  }),
]);
