// Live state of an app, read from its cluster's servers (never from a stored column): through
// the first manager that answers (`ctx.clusterConnections`) — its Docker Engine API on Swarm, its
// API server on Kubernetes. A cluster none of whose managers answers is a 503 with Retry-After
// naming it. What Kubernetes cannot give here (container logs and metrics come from each node's
// kubelet and metrics-server, which Flotilla does not reach yet) is a 501 saying so, never
// made-up data.
import { FlotillaError } from '@flotilla/errors';
import { TRPCError } from '@trpc/server';
import type { KubernetesConnection, SwarmConnection } from '../../cluster-connections.ts';
import type { Context } from '../../context.ts';

/** Seconds a client should wait before asking a cluster that did not answer again. */
export const clusterRetryAfterSeconds = 10;

interface ClusterRef {
  id: string;
  name: string;
  orchestrator: 'kubernetes' | 'swarm';
}

const unanswered = new Set(['unreachable', 'commandTimedOut', 'unavailable', 'hostKeyChanged']);

export interface LiveReads<T> {
  swarm: (swarm: SwarmConnection) => Promise<T>;
  /** The read on a Kubernetes cluster, or what is not available there (a 501 naming it). */
  kubernetes: ((kube: KubernetesConnection) => Promise<T>) | { unavailable: string };
}

/** Runs the cluster's read; failures to reach it become a 503 naming the cluster. */
export async function readLive<T>(
  ctx: Context,
  cluster: ClusterRef,
  reads: LiveReads<T>,
): Promise<T> {
  const { kubernetes } = reads;
  if (cluster.orchestrator === 'kubernetes' && typeof kubernetes !== 'function') {
    throw new TRPCError({
      code: 'NOT_IMPLEMENTED',
      message: `${kubernetes.unavailable} (cluster "${cluster.name}" runs Kubernetes)`,
    });
  }
  const read = () =>
    cluster.orchestrator === 'kubernetes' && typeof kubernetes === 'function'
      ? ctx.clusterConnections.kubernetes(cluster.id).then(kubernetes)
      : ctx.clusterConnections.swarm(cluster.id).then(reads.swarm);
  try {
    return await read();
  } catch (error) {
    if (error instanceof FlotillaError && unanswered.has(error.code)) {
      ctx.resHeaders['retry-after'] = String(clusterRetryAfterSeconds);
      const message = error.message.includes(`"${cluster.name}"`)
        ? error.message
        : `Cluster "${cluster.name}" did not answer (${error.message}); try again shortly`;
      // No cause: the FlotillaError below would be mapped again, with the database's Retry-After.
      throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message });
    }
    throw error;
  }
}

/** Swarm's task states in the words of Kubernetes pod phases, as the apps page shows them. */
export function phaseOf(state: string): 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown' {
  switch (state) {
    case 'running':
      return 'Running';
    case 'complete':
      return 'Succeeded';
    case 'failed':
    case 'rejected':
    case 'orphaned':
    case 'shutdown':
    case 'remove':
      return 'Failed';
    case 'new':
    case 'allocated':
    case 'pending':
    case 'assigned':
    case 'accepted':
    case 'preparing':
    case 'ready':
    case 'starting':
      return 'Pending';
    default:
      return 'Unknown';
  }
}
