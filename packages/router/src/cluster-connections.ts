// Live reads from a cluster's servers (an app's tasks, logs, metrics): the API opens the Docker
// Engine API of the cluster's first manager that answers (Kubernetes: its API server, through an
// SSH tunnel to the manager's own 127.0.0.1:6443), over SSH with the host key the worker pinned,
// through one pool per process so that every read of a server shares one connection.
// Nothing here trusts a server on first sight: a manager without a pinned key is skipped.
import type { Db } from '@flotilla/db';
import {
  appsNamespace,
  createKubernetesClient,
  createKubernetesTarget,
  createSwarmTarget,
  type DeployTarget,
  type KubernetesTarget,
} from '@flotilla/deploy';
import { connectDocker, type DockerEngine, type SwarmNode } from '@flotilla/docker';
import { errorMessage, FlotillaError } from '@flotilla/errors';
import type { Sealer } from '@flotilla/secrets';
import { kubeconfigContext, sshKeyContext } from '@flotilla/secrets';
import { type ConnectOptions, createSshPool, type SshPool } from '@flotilla/ssh';

/** The swarm label the worker puts on each node: Flotilla's node id (orchestrators/swarm.ts). */
const nodeIdLabel = 'flotilla.node-id';

export interface SwarmConnection {
  /** The Engine API of the manager that answered. */
  engine: DockerEngine;
  /** Reads (and changes, for the worker) of apps through that manager. */
  target: DeployTarget;
  /** The manager's node name. */
  manager: string;
}

export interface KubernetesConnection {
  /** Reads of apps' objects through the API server of the manager that answered. */
  target: KubernetesTarget;
  /** The manager's node name. */
  manager: string;
}

/** No manager of the cluster answered: a 503 to retry, naming the cluster. */
export class ClusterUnreachableError extends FlotillaError {
  override name = 'ClusterUnreachableError';
  constructor(
    readonly cluster: string,
    reasons: string[],
  ) {
    super(
      'unavailable',
      `No manager of cluster "${cluster}" answers${reasons.length ? ` (${reasons.join('; ')})` : ''}; try again shortly`,
    );
  }
}

export interface ClusterConnections {
  /** The first manager (by ordinal) that answers, as Engine API and deploy target. */
  swarm(clusterId: string): Promise<SwarmConnection>;
  /**
   * The first manager (by ordinal) whose Kubernetes API server answers, reached through an SSH
   * tunnel to its own 127.0.0.1:6443 with the cluster's kubeconfig.
   */
  kubernetes(clusterId: string): Promise<KubernetesConnection>;
  close(): Promise<void>;
}

export interface ClusterConnectionsOptions {
  db: Db;
  sealer: Sealer;
  /** How long reaching one manager may take before the next is tried (default 5 s). */
  connectTimeoutMs?: number;
  /** One Engine API request that is not a stream (default 30 s). */
  requestTimeoutMs?: number;
  pool?: SshPool;
}

interface NodeRow {
  id: string;
  name: string;
  address: string | null;
  sshPort: number;
  sshUser: string;
  hostKey: string | null;
}

export function createClusterConnections(options: ClusterConnectionsOptions): ClusterConnections {
  const { db, sealer } = options;
  const pool = options.pool ?? createSshPool({ idleTimeoutMs: 60_000 });
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;

  const sessionOptions = (node: NodeRow, privateKey: string): ConnectOptions => ({
    host: node.address as string,
    port: node.sshPort,
    username: node.sshUser,
    privateKey,
    expectedHostKey: node.hostKey as string,
    timeoutMs: connectTimeoutMs,
  });

  async function engineOf(node: NodeRow, privateKey: string): Promise<DockerEngine> {
    const session = await pool.session(sessionOptions(node, privateKey));
    return connectDocker(session, { timeoutMs: requestTimeoutMs });
  }

  /** The cluster's managers that may be reached (host key pinned), and its SSH key opened. */
  async function managersOf(clusterId: string, orchestrator: 'swarm' | 'kubernetes') {
    const cluster = await db.cluster.findUnique({
      where: { id: clusterId },
      select: {
        name: true,
        orchestrator: true,
        kubeconfigEncrypted: true,
        sshKey: { select: { id: true, privateKeyEncrypted: true } },
        nodes: {
          orderBy: { ordinal: 'asc' },
          select: {
            id: true,
            name: true,
            role: true,
            status: true,
            address: true,
            sshPort: true,
            sshUser: true,
            hostKey: true,
          },
        },
      },
    });
    if (!cluster) throw new FlotillaError('notFound', 'Cluster not found');
    if (cluster.orchestrator !== orchestrator) {
      throw new FlotillaError(
        'invalid',
        `cluster "${cluster.name}" is not a ${orchestrator === 'swarm' ? 'Swarm' : 'Kubernetes'} cluster`,
      );
    }
    const reachable = cluster.nodes.filter(
      (node) => node.address !== null && node.hostKey !== null && node.status !== 'deleting',
    );
    const managers = reachable.filter((n) => n.role === 'manager');
    if (!cluster.sshKey || managers.length === 0) {
      throw new ClusterUnreachableError(cluster.name, ['no manager has been reached yet']);
    }
    const privateKey = sealer.open(
      cluster.sshKey.privateKeyEncrypted,
      sshKeyContext(cluster.sshKey.id),
    );
    return { cluster, reachable, managers, privateKey };
  }

  return {
    async swarm(clusterId) {
      const { cluster, reachable, managers, privateKey } = await managersOf(clusterId, 'swarm');
      const reasons: string[] = [];
      for (const node of managers) {
        try {
          const engine = await engineOf(node, privateKey);
          await engine.ping();
          const byId = new Map(reachable.map((n) => [n.id, n]));
          const byAddress = new Map(reachable.map((n) => [n.address as string, n]));
          const target = createSwarmTarget({
            manager: engine,
            // A task's stats come from the engine of the server it runs on.
            engineForNode: async (swarmNode: SwarmNode) => {
              const row =
                byId.get(swarmNode.Spec.Labels?.[nodeIdLabel] ?? '') ??
                byAddress.get(swarmNode.Status.Addr ?? '');
              if (!row) {
                throw new FlotillaError(
                  'notFound',
                  `swarm node ${swarmNode.Description.Hostname} is not a node of cluster "${cluster.name}"`,
                );
              }
              return row.id === node.id ? engine : engineOf(row, privateKey);
            },
          });
          return { engine, target, manager: node.name };
        } catch (error) {
          // A changed host key is as much "not answering" for a read as a refused connection;
          // the worker's health check is what marks the node.
          reasons.push(`${node.name}: ${errorMessage(error)}`);
        }
      }
      throw new ClusterUnreachableError(cluster.name, reasons);
    },
    async kubernetes(clusterId) {
      const { cluster, managers, privateKey } = await managersOf(clusterId, 'kubernetes');
      if (!cluster.kubeconfigEncrypted) {
        throw new ClusterUnreachableError(cluster.name, ['it has no kubeconfig yet']);
      }
      const kubeconfig = sealer.open(cluster.kubeconfigEncrypted, kubeconfigContext(clusterId));
      const reasons: string[] = [];
      for (const node of managers) {
        try {
          const session = await pool.session(sessionOptions(node, privateKey));
          const client = createKubernetesClient({
            connect: () => session.openTcpTunnel('127.0.0.1', 6443),
            kubeconfig,
            timeoutMs: requestTimeoutMs,
          });
          // The API server answers (a namespace not made yet is an answer too).
          await client.get('Namespace', undefined, appsNamespace);
          return { target: createKubernetesTarget({ client }), manager: node.name };
        } catch (error) {
          reasons.push(`${node.name}: ${errorMessage(error)}`);
        }
      }
      throw new ClusterUnreachableError(cluster.name, reasons);
    },
    close: () => pool.close(),
  };
}
