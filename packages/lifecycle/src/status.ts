// The cluster and node state machines. Every status change in the system goes through
// transitionCluster/transitionNode, which refuse anything not listed here.
import type { ClusterStatus, NodeStatus } from '@flotilla/db';

export const clusterStatuses = [
  'provisioning',
  'running',
  'degraded',
  'updating',
  'deleting',
  'error',
] as const satisfies readonly ClusterStatus[];

export const nodeStatuses = [
  'provisioning',
  'running',
  'down',
  'draining',
  'deleting',
  'error',
] as const satisfies readonly NodeStatus[];

// `deleting` is one-way: once teardown has begun, only a failed teardown (`error`) leaves it,
// and from `error` the only way on is another attempt at deleting or provisioning.
const clusterEdges: Record<ClusterStatus, readonly ClusterStatus[]> = {
  provisioning: ['running', 'degraded', 'error', 'deleting'],
  running: ['degraded', 'updating', 'error', 'deleting'],
  degraded: ['running', 'updating', 'error', 'deleting'],
  updating: ['running', 'degraded', 'error', 'deleting'],
  error: ['provisioning', 'running', 'degraded', 'deleting'],
  deleting: ['error'],
};

const nodeEdges: Record<NodeStatus, readonly NodeStatus[]> = {
  provisioning: ['running', 'down', 'error', 'deleting'],
  running: ['down', 'draining', 'error', 'deleting'],
  down: ['running', 'provisioning', 'error', 'deleting'],
  draining: ['running', 'down', 'error', 'deleting'],
  error: ['provisioning', 'running', 'down', 'deleting'],
  deleting: ['error'],
};

export function canTransitionCluster(from: ClusterStatus, to: ClusterStatus): boolean {
  return clusterEdges[from].includes(to);
}

export function canTransitionNode(from: NodeStatus, to: NodeStatus): boolean {
  return nodeEdges[from].includes(to);
}

/**
 * What a cluster's status should be, judged from its nodes, once provisioning has finished:
 * every node running → running; a control plane (manager) running but some node not → degraded;
 * no manager running → error. Nodes being removed do not count against the cluster.
 */
export function clusterStatusFromNodes(
  nodes: readonly { role: 'manager' | 'worker'; status: NodeStatus }[],
): 'running' | 'degraded' | 'error' {
  const counted = nodes.filter((n) => n.status !== 'deleting');
  if (!counted.some((n) => n.role === 'manager' && n.status === 'running')) return 'error';
  return counted.every((n) => n.status === 'running') ? 'running' : 'degraded';
}
