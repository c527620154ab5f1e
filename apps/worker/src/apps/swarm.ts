// The Swarm an app runs on, as an app job reaches it: the cluster's first manager (by ordinal)
// that answers, over SSH held to the host key pinned when the node was provisioned (a server
// never reached by provisioning is not trusted here), as Docker Engine API and deploy target.
// Other nodes are reached the same way, only when a task's own engine is needed.
import type { Node } from '@flotilla/db';
import { createSwarmTarget, type DeployTarget } from '@flotilla/deploy';
import { connectDocker, type DockerEngine, type SwarmNode } from '@flotilla/docker';
import { errorMessage, FlotillaError } from '@flotilla/errors';
import type { SshSession } from '@flotilla/ssh';
import { type ClusterRecord, loadCluster } from '../cluster-record.ts';
import type { Engine } from '../engine.ts';
import { PermanentError } from '../errors.ts';
import { nodeIdLabel } from '../orchestrators/swarm.ts';
import { connectNode } from '../servers/connect.ts';
import { serverTarget } from '../servers/obtain.ts';

export interface AppSwarm {
  target: DeployTarget;
  /** The Engine API of the manager that answered. */
  manager: DockerEngine;
  /** Its SSH session (builds run their commands on it). */
  session: SshSession;
  /** The manager's node name, for log lines. */
  managerName: string;
  /**
   * The Engine API of the server a Swarm node is (a task's own engine: its stats, a database's
   * probe and dumps), reached like the manager and closed with it.
   */
  engineForNode(node: SwarmNode): Promise<DockerEngine>;
  close(): Promise<void>;
}

const connectTimeoutMs = 10_000;

function reachable(node: Node): boolean {
  return node.address !== null && node.hostKey !== null && node.status !== 'deleting';
}

export async function reachSwarm(engine: Engine, clusterId: string): Promise<AppSwarm> {
  const cluster = await loadCluster(engine, clusterId);
  if (!cluster) throw new FlotillaError('notFound', `cluster ${clusterId} no longer exists`);
  if (cluster.orchestrator !== 'swarm') {
    throw new PermanentError(`cluster ${cluster.name} runs ${cluster.orchestrator}, not Swarm`);
  }
  const managers = cluster.nodes.filter((n) => n.role === 'manager' && reachable(n));
  const reasons: string[] = [];
  for (const node of managers) {
    let session: SshSession | undefined;
    try {
      session = await connect(engine, cluster, node);
      const manager = connectDocker(session);
      await manager.ping();
      return swarmOf(engine, cluster, node, session, manager);
    } catch (error) {
      await session?.close().catch(() => undefined);
      reasons.push(`${node.name}: ${errorMessage(error)}`);
    }
  }
  throw new FlotillaError(
    'unreachable',
    `no manager of cluster ${cluster.name} answers${reasons.length ? ` (${reasons.join('; ')})` : ' (none has been provisioned yet)'}`,
  );
}

function connect(engine: Engine, cluster: ClusterRecord, node: Node): Promise<SshSession> {
  const target = serverTarget(node);
  if (!target) throw new PermanentError(`node ${node.name} has no address`);
  return connectNode(engine, cluster, node, target, connectTimeoutMs);
}

function swarmOf(
  engine: Engine,
  cluster: ClusterRecord,
  managerNode: Node,
  session: SshSession,
  manager: DockerEngine,
): AppSwarm {
  const others = new Map<string, Promise<{ session: SshSession; engine: DockerEngine }>>();
  const rows = cluster.nodes.filter(reachable);
  // A task's stats come from the engine of the server it runs on.
  const engineForNode = async (swarmNode: SwarmNode): Promise<DockerEngine> => {
    const row =
      rows.find((n) => n.id === swarmNode.Spec.Labels?.[nodeIdLabel]) ??
      rows.find((n) => n.address === swarmNode.Status.Addr);
    if (!row) {
      throw new FlotillaError(
        'notFound',
        `swarm node ${swarmNode.Description.Hostname} is not a node of cluster ${cluster.name}`,
      );
    }
    if (row.id === managerNode.id) return manager;
    let opened = others.get(row.id);
    if (!opened) {
      opened = connect(engine, cluster, row).then((s) => ({
        session: s,
        engine: connectDocker(s),
      }));
      others.set(row.id, opened);
    }
    return (await opened).engine;
  };
  const target = createSwarmTarget({ manager, pollMs: engine.settings.apps.pollMs, engineForNode });
  return {
    target,
    manager,
    session,
    managerName: managerNode.name,
    engineForNode,
    async close() {
      const sessions = await Promise.allSettled([...others.values()]);
      await Promise.allSettled([
        session.close(),
        ...sessions.map((s) => (s.status === 'fulfilled' ? s.value.session.close() : undefined)),
      ]);
    },
  };
}
