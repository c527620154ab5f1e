// What the jobs need from an orchestrator. Swarm and k3s each implement it (swarm.ts, k3s.ts),
// so provisioning, removal, teardown and health checks read the same for both.
import type { SshSession } from '@flotilla/ssh';
import type { JoinSecrets } from '../sealed.ts';

export interface OrchestratorNode {
  /** The orchestrator's id for the node (Swarm node id, Kubernetes node name). */
  id: string;
  hostname: string;
  ready: boolean;
  manager: boolean;
  /**
   * Whether the scheduler places work on it (Swarm's availability; a cordoned Kubernetes node is
   * `pause`, as Kubernetes does not tell a cordon from a drain). Absent where not read.
   */
  availability?: NodeAvailability;
}

/** `active` takes work, `pause` keeps its work and takes no new, `drain` moves its work away. */
export type NodeAvailability = 'active' | 'pause' | 'drain';

export interface JoinOptions {
  role: 'manager' | 'worker';
  nodeName: string;
  advertiseAddress: string;
  managerAddress: string;
  secrets: JoinSecrets;
}

export interface OrchestratorDriver {
  /** Prefix of step names in the log: `swarm.join`, `k3s.join`. */
  readonly name: 'swarm' | 'k3s';
  /** Step that makes a server able to run the orchestrator (`docker.ensure`, `k3s.install`). */
  readonly prepareStep: string;
  prepare(session: SshSession): Promise<string>;
  /**
   * Forms the cluster on its first manager, or finds it formed; returns what others join with
   * and this server's id in the cluster.
   */
  init(
    session: SshSession,
    options: {
      advertiseAddress: string;
      nodeName: string;
      existing: JoinSecrets | null;
      /** Flotilla's id for the node, for a driver that labels it in the same command. */
      flotillaNodeId: string;
    },
  ): Promise<{
    secrets: JoinSecrets;
    memberId: string;
    message: string;
    /** Set when init also saw the node Ready and labelled it (no node.ready command needed). */
    ready?: OrchestratorNode;
  }>;
  /**
   * Joins the server to the cluster unless it already belongs to it; returns its id there and
   * whether it joined now.
   */
  join(
    session: SshSession,
    options: JoinOptions,
  ): Promise<{ memberId: string; changed: boolean; message: string }>;
  /** The node list as a manager sees it. */
  nodes(manager: SshSession): Promise<OrchestratorNode[]>;
  /**
   * One read of the node list for nodes waiting to be Ready (the readiness board asks for all of
   * a cluster's at once): every node the manager lists, and the wanted ones it reports Ready,
   * tagged with Flotilla's node id by the time this returns (so anyone looking at the cluster
   * can map the two).
   */
  readyNodes(
    manager: SshSession,
    wanted: readonly { memberId: string; flotillaNodeId: string }[],
  ): Promise<{ nodes: OrchestratorNode[]; ready: OrchestratorNode[] }>;
  /** Moves the node's workloads away and waits until none are left on it. */
  drain(manager: SshSession, memberId: string, timeoutMs: number): Promise<string>;
  /**
   * Sets whether the scheduler places work on the node (Swarm availability, Kubernetes cordon);
   * `drain` also waits, like `drain`, until its work has moved. Idempotent; returns what was done.
   */
  setAvailability(
    manager: SshSession,
    memberId: string,
    availability: NodeAvailability,
    timeoutMs: number,
  ): Promise<string>;
  /** A manager becomes a worker before it leaves, so the others keep their quorum. */
  demote(manager: SshSession, memberId: string): Promise<void>;
  /** The server leaves the cluster by itself. */
  leave(session: SshSession): Promise<void>;
  /** Removes the node from the managers' list; `gone`: its server could not be reached. */
  forget(manager: SshSession, memberId: string, options: { gone: boolean }): Promise<void>;
  /** Removes whatever the orchestrator put on the server, so it belongs to no cluster. */
  clean(session: SshSession): Promise<string>;
  /** Kubernetes only: the admin kubeconfig, pointing at `serverAddress`. */
  kubeconfig?(session: SshSession, serverAddress: string): Promise<string>;
}
