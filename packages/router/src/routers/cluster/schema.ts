// The shapes cluster.* procedures share: a cluster, its nodes, grants and the enums behind them.
// Each procedure's own input and result are in `<name>.schema.ts`.
import { errorCodeList } from '@flotilla/errors';
import { clusterStatuses, nodeStatuses } from '@flotilla/lifecycle';
import { cloudProviders, plans } from '@flotilla/providers/catalog';
import { z } from 'zod';
import { clusterId, isoDate, nodeId } from '../../schemas/common.ts';

export const providerSchema = z.enum([...cloudProviders, 'ssh']);
export const orchestratorSchema = z.enum(['kubernetes', 'swarm']);
export const roleSchema = z.enum(['manager', 'worker']);
export const planSchema = z.enum(plans);
// The state machine's own lists: a status added there is accepted here.
export const clusterStatusSchema = z.enum(clusterStatuses);
export const nodeStatusSchema = z.enum(nodeStatuses);
export const permissionSchema = z.enum(['view', 'manage']);
/**
 * Whether the scheduler places work on a node (issue 17): `active` takes new work, `pause` keeps
 * its work and takes no new (cluster.drainNode), `drain` moves its work away (evacuateNode).
 */
export const nodeAvailabilitySchema = z.enum(['active', 'pause', 'drain']);
/** The platform page's node status: status and availability in one word. */
export const nodeStateSchema = z.enum(['ready', 'not_ready', 'draining', 'down']);

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
  clusterId: z.string(),
  name: z.string(),
  role: roleSchema,
  plan: planSchema.nullable(),
  ip: z.string().nullable(),
  status: nodeStatusSchema,
  statusReason: z.string().nullable(),
  /** Why a node is in `error`, as a stable code (`unreachable`, `hostKeyChanged`, …). */
  failureKind: z.enum(errorCodeList).nullable(),
  ordinal: z.number().int(),
  /** Docker Engine (Swarm) or kubelet (k3s) version, as the managers last reported it. */
  version: z.string().nullable(),
  /**
   * Whether the scheduler places work on it: while a change is under way the one asked for,
   * else what the managers last reported.
   */
  availability: nodeAvailabilitySchema,
  /** A drain, activation or evacuation asked for and not yet applied on the servers. */
  availabilityPending: z.boolean(),
  /** ready | not_ready | draining | down: the page's one word for status and availability. */
  state: nodeStateSchema,
  createdAt: isoDate,
});

export const clusterDetail = clusterSummary.extend({
  nodes: z.array(node),
  /** Adopted with cluster.import: removing it forgets it and leaves its servers running. */
  adopted: z.boolean(),
  /** The orchestrator's version as a manager last reported it (cluster.import/test/refresh). */
  orchestratorVersion: z.string().nullable(),
});

export const clusterRef = z.object({ clusterId });

/** A node by id, with its cluster when the caller has it at hand (else found from the node). */
export const nodeRef = z.object({ clusterId: clusterId.optional(), nodeId });

/** `/api/v1/nodes/{id}…`: the node's id from the path. */
export const nodeRestRef = z.object({ id: nodeId }).transform(({ id }) => ({ nodeId: id }));

export const grant = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  permission: permissionSchema,
  createdAt: isoDate,
});

// The same shapes as REST pages show them (snake_case), for the REST aliases (rest.ts).
export const restNode = z.object({
  id: z.string(),
  cluster_id: z.string(),
  name: z.string(),
  role: roleSchema,
  plan: planSchema.nullable(),
  ip: z.string().nullable(),
  /** The page's vocabulary: ready | not_ready | draining | down. */
  status: nodeStateSchema,
  status_reason: z.string().nullable(),
  availability: nodeAvailabilitySchema,
  availability_pending: z.boolean(),
  version: z.string().nullable(),
  ordinal: z.number().int(),
  created_at: isoDate,
});

export const restCluster = z.object({
  id: z.string(),
  organization_id: z.string(),
  name: z.string(),
  provider: providerSchema,
  region: z.string(),
  orchestrator: orchestratorSchema,
  status: clusterStatusSchema,
  status_reason: z.string().nullable(),
  node_count: z.number().int(),
  created_at: isoDate,
  updated_at: isoDate,
});

export const restClusterDetail = restCluster.extend({ nodes: z.array(restNode) });

export function nodeToRest(n: z.infer<typeof node>): z.infer<typeof restNode> {
  return {
    id: n.id,
    name: n.name,
    role: n.role,
    plan: n.plan,
    cluster_id: n.clusterId,
    ip: n.ip,
    status: n.state,
    status_reason: n.statusReason,
    availability: n.availability,
    availability_pending: n.availabilityPending,
    version: n.version,
    ordinal: n.ordinal,
    created_at: n.createdAt,
  };
}

export function clusterSummaryToRest(
  c: z.infer<typeof clusterSummary>,
): z.infer<typeof restCluster> {
  return {
    id: c.id,
    organization_id: c.organizationId,
    name: c.name,
    provider: c.provider,
    region: c.region,
    orchestrator: c.orchestrator,
    status: c.status,
    status_reason: c.statusReason,
    node_count: c.nodeCount,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}
