// Reading a cluster from one of its managers over SSH, for cluster.import (a Swarm or k3s cluster
// Flotilla did not create), cluster.test and cluster.refresh: is the server a manager, which
// version runs, which nodes the managers list and in what state. Commands are fixed strings; the
// only values that reach a server are quoted by @flotilla/ssh.
import { k3sKubeconfig } from '@flotilla/bootstrap';
import type { Db } from '@flotilla/db';
import { errorMessage, FlotillaError } from '@flotilla/errors';
import { type Sealer, sshKeyContext } from '@flotilla/secrets';
import { CommandError, connect, type SshSession } from '@flotilla/ssh';

/** The server is reachable but is not what it was said to be (no manager, no orchestrator). */
export class NotAManagerError extends FlotillaError {
  override name = 'NotAManagerError';
  constructor(readonly detail: string) {
    super('invalid', detail);
  }
}

export interface DiscoveredNode {
  /** Swarm node id, or the Kubernetes node name. */
  orchestratorNodeId: string;
  hostname: string;
  role: 'manager' | 'worker';
  ready: boolean;
  /** The orchestrator's word for its state (ready, down, NotReady…). */
  state: string;
  address: string | null;
  /** Docker Engine (Swarm) or kubelet (k3s) version. */
  version: string | null;
  /** The server we are connected to. */
  self: boolean;
}

export interface Discovery {
  orchestrator: 'swarm' | 'kubernetes';
  /** Docker Engine version of the manager, or the k3s version. */
  version: string;
  nodes: DiscoveredNode[];
}

interface SwarmNodeJson {
  ID: string;
  Spec: { Role: 'manager' | 'worker'; Availability?: string };
  Description?: { Hostname?: string; Engine?: { EngineVersion?: string } };
  Status: { State: string; Addr?: string };
}

interface KubeNodeJson {
  metadata: { name: string; labels?: Record<string, string> };
  status?: {
    conditions?: { type: string; status: string }[];
    addresses?: { type: string; address: string }[];
    nodeInfo?: { kubeletVersion?: string };
  };
}

async function run(session: SshSession, command: string, label: string): Promise<string> {
  return session.runOk(command, { label, timeoutMs: 30_000 });
}

async function discoverSwarm(session: SshSession): Promise<Discovery> {
  let swarm: { LocalNodeState?: string; NodeID?: string; ControlAvailable?: boolean };
  let version: string;
  try {
    [swarm, version] = await Promise.all([
      run(session, `docker info --format '{{json .Swarm}}'`, 'docker info').then(
        (out) => JSON.parse(out) as typeof swarm,
      ),
      run(session, `docker version --format '{{.Server.Version}}'`, 'docker version').then((v) =>
        v.trim(),
      ),
    ]);
  } catch (error) {
    if (error instanceof CommandError) {
      throw new NotAManagerError(
        `no Docker Engine answers on this server (${errorMessage(error)}); is the user allowed to run docker?`,
      );
    }
    throw error;
  }
  if (swarm.LocalNodeState !== 'active') {
    throw new NotAManagerError(
      `the server is in no swarm (Docker reports its swarm state as ${swarm.LocalNodeState ?? 'inactive'}): give a manager of the swarm to adopt`,
    );
  }
  if (!swarm.ControlAvailable) {
    throw new NotAManagerError(
      'the server is a worker of its swarm, not a manager: give the address of a manager (`docker node ls` on a manager lists them)',
    );
  }
  const out = await run(
    session,
    'ids=$(docker node ls -q) && docker node inspect $ids',
    'docker node inspect',
  );
  const nodes = (JSON.parse(out) as SwarmNodeJson[]).map((node) => ({
    orchestratorNodeId: node.ID,
    hostname: node.Description?.Hostname ?? node.ID.slice(0, 12),
    role: node.Spec.Role,
    ready: node.Status.State === 'ready',
    state: node.Status.State,
    address: node.Status.Addr && node.Status.Addr !== '0.0.0.0' ? node.Status.Addr : null,
    version: node.Description?.Engine?.EngineVersion ?? null,
    self: node.ID === swarm.NodeID,
  }));
  return { orchestrator: 'swarm', version, nodes };
}

async function discoverK3s(session: SshSession): Promise<Discovery> {
  let out: string;
  let version: string;
  try {
    [out, version] = await Promise.all([
      run(session, 'k3s kubectl get nodes -o json', 'k3s kubectl get nodes'),
      run(session, 'k3s --version', 'k3s --version').then(
        (v) => /v\d+\.\d+\.\d+\S*/.exec(v)?.[0] ?? v.split('\n')[0]?.trim() ?? 'unknown',
      ),
    ]);
  } catch (error) {
    if (error instanceof CommandError) {
      throw new NotAManagerError(
        `no k3s server answers on this server (\`k3s kubectl get nodes\`: ${errorMessage(error)}): give a k3s server (control-plane) node`,
      );
    }
    throw error;
  }
  const items = (JSON.parse(out) as { items?: KubeNodeJson[] }).items ?? [];
  const hostname = (await run(session, 'hostname', 'hostname')).trim();
  const nodes = items.map((node) => {
    const labels = node.metadata.labels ?? {};
    const manager = Object.keys(labels).some(
      (key) =>
        key === 'node-role.kubernetes.io/control-plane' || key === 'node-role.kubernetes.io/master',
    );
    const ready =
      node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    return {
      orchestratorNodeId: node.metadata.name,
      hostname: node.metadata.name,
      role: manager ? ('manager' as const) : ('worker' as const),
      ready,
      state: ready ? 'Ready' : 'NotReady',
      address: node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? null,
      version: node.status?.nodeInfo?.kubeletVersion ?? null,
      self: node.metadata.name === hostname,
    };
  });
  return { orchestrator: 'kubernetes', version, nodes };
}

/** What the manager at the other end of `session` says about its cluster. */
export function discover(
  session: SshSession,
  orchestrator: 'swarm' | 'kubernetes',
): Promise<Discovery> {
  return orchestrator === 'swarm' ? discoverSwarm(session) : discoverK3s(session);
}

/** The admin kubeconfig of a k3s server, its API address pointed at `host`. */
export function fetchKubeconfig(session: SshSession, host: string): Promise<string> {
  return k3sKubeconfig(session, { serverAddr: host });
}

export interface ManagerRow {
  id: string;
  name: string;
  address: string | null;
  sshPort: number;
  sshUser: string;
  hostKey: string | null;
}

export interface ReachedManager {
  session: SshSession;
  node: ManagerRow;
  latencyMs: number;
}

/**
 * The cluster's first manager (by ordinal) that answers SSH with the host key pinned for it;
 * a manager without a pinned key is never trusted here. Null, with each manager's reason, when
 * none answers.
 */
export async function reachManager(
  db: Db,
  sealer: Sealer,
  clusterId: string,
  timeoutMs = 8_000,
): Promise<{ reached: ReachedManager | null; reasons: string[] }> {
  const cluster = await db.cluster.findUniqueOrThrow({
    where: { id: clusterId },
    select: {
      sshKey: { select: { id: true, privateKeyEncrypted: true } },
      nodes: {
        where: { role: 'manager', status: { not: 'deleting' } },
        orderBy: { ordinal: 'asc' },
        select: {
          id: true,
          name: true,
          address: true,
          sshPort: true,
          sshUser: true,
          hostKey: true,
        },
      },
    },
  });
  if (!cluster.sshKey) return { reached: null, reasons: ['the cluster has no SSH key'] };
  const privateKey = sealer.open(
    cluster.sshKey.privateKeyEncrypted,
    sshKeyContext(cluster.sshKey.id),
  );
  const reasons: string[] = [];
  for (const node of cluster.nodes) {
    if (!node.address || !node.hostKey) {
      reasons.push(`${node.name}: never reached with a pinned host key`);
      continue;
    }
    const started = Date.now();
    try {
      const session = await connect({
        host: node.address,
        port: node.sshPort,
        username: node.sshUser,
        privateKey,
        expectedHostKey: node.hostKey,
        timeoutMs,
      });
      return { reached: { session, node, latencyMs: Date.now() - started }, reasons };
    } catch (error) {
      reasons.push(`${node.name}: ${errorMessage(error)}`);
    }
  }
  if (cluster.nodes.length === 0) reasons.push('the cluster has no manager');
  return { reached: null, reasons };
}

/** What a manager said about its cluster just now (or why nothing could be read). */
export type ClusterReading =
  | { reached: null; reasons: string[] }
  | { reached: { node: ManagerRow; latencyMs: number }; discovery: Discovery }
  | { reached: { node: ManagerRow; latencyMs: number }; error: unknown };

const readingsInFlight = new Map<string, Promise<ClusterReading>>();

/**
 * Reads the cluster from its first answering manager: one SSH login and one discovery, shared
 * by every cluster.test and cluster.refresh of the cluster that arrives while it runs. Without
 * that, a burst of them is a burst of handshakes to one server, which OpenSSH's MaxStartups
 * drops (issue 20's lesson) and which left callers waiting past their timeouts.
 */
export function readCluster(
  db: Db,
  sealer: Sealer,
  cluster: { id: string; orchestrator: 'swarm' | 'kubernetes' },
): Promise<ClusterReading> {
  const key = `${cluster.id}:${cluster.orchestrator}`;
  const running = readingsInFlight.get(key);
  if (running) return running;
  const reading = (async (): Promise<ClusterReading> => {
    const { reached, reasons } = await reachManager(db, sealer, cluster.id);
    if (!reached) return { reached: null, reasons };
    const who = { node: reached.node, latencyMs: reached.latencyMs };
    try {
      return { reached: who, discovery: await discover(reached.session, cluster.orchestrator) };
    } catch (error) {
      return { reached: who, error };
    } finally {
      await reached.session.close();
    }
  })().finally(() => readingsInFlight.delete(key));
  readingsInFlight.set(key, reading);
  return reading;
}
