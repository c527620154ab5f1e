// Everything a job needs, created once per worker process and passed in.
import type { Db } from '@flotilla/db';
import type { Logger } from '@flotilla/log';
import type { NetworkPolicy } from '@flotilla/network-policy';
import type { CloudProvider, RateBudgets } from '@flotilla/providers';
import type { Queues } from '@flotilla/queue';
import type { Sealer } from '@flotilla/secrets';
import type { SshPool } from '@flotilla/ssh';
import type { ClusterWatch } from './cluster-watch.ts';
import type { JoinPacing } from './orchestrators/join-pacing.ts';
import type { ReadinessBoard } from './orchestrators/readiness.ts';

export interface EngineSettings {
  /** Longest one command over SSH may run. */
  sshCommandTimeoutMs: number;
  /** How long one attempt keeps trying to reach a server's SSH port. */
  sshWaitTimeoutMs: number;
  /** How long a joined node may take to report Ready. */
  readyTimeoutMs: number;
  /**
   * How long a node, prepared while its cluster's first manager forms the control plane, waits
   * for it before its attempt fails (and is retried). Default 10 minutes: the first manager may
   * have to install its runtime.
   */
  controlPlaneWaitMs?: number;
  /** How long a drain may take for the node's tasks to move elsewhere. */
  drainTimeoutMs: number;
  k3s: { installUrl: string; artifactPath?: string };
  /** Cloud provider API roots (the stand-ins in tests); undefined: the provider's own. */
  providerUrls: Record<CloudProvider, string | undefined>;
  /** How long a new cloud machine may take to run and get an address. */
  serverReadyTimeoutMs: number;
  /** How often a cloud machine's state is asked while waiting for it (tests shorten it). */
  providerPollIntervalMs?: number;
  /** Health checks in a row no manager may answer before the managers are marked down. */
  healthCheckMisses: number;
  /** Apps: deploys, builds, scales, restarts and removals (apps/). */
  apps: AppSettings;
  /** Managed databases (databases/). */
  databases: DatabaseSettings;
}

export interface AppSettings {
  /** How an app's port is published on Swarm (APP_PUBLISH_MODE). */
  publishMode: 'ingress' | 'host';
  /** What a source without a Dockerfile is built on (BUILD_BASE_IMAGE). */
  buildBaseImage?: string;
  /** A task pending longer than this ("no suitable node") fails the rollout. */
  pendingTimeoutMs: number;
  /** How often a running deploy or build looks for a cancel request, and a rollout is observed. */
  pollMs: number;
  /**
   * Kubernetes: a Deployment's `progressDeadlineSeconds`, after which a rollout that stopped
   * progressing is failed (ProgressDeadlineExceeded); default 600, Kubernetes' own.
   */
  progressDeadlineSeconds?: number;
}

export interface DatabaseSettings {
  /** Where backups are kept (FLOTILLA_BACKUP_DIR): a directory every worker sees. */
  backupDir: string;
  /** How long creating a database's service may take to be running (image pulls included). */
  deployTimeoutMs: number;
  /** How long its readiness probe may take to answer after that (first start, recovery). */
  readyTimeoutMs: number;
}

export interface Engine {
  /** This worker's node name (FLOTILLA_NODE_NAME): the log lines of its steps carry it. */
  nodeName?: string;
  db: Db;
  queues: Queues;
  sealer: Sealer;
  log: Logger;
  settings: EngineSettings;
  /**
   * Which addresses the worker may connect to (FLOTILLA_NETWORK_*): checked again before every
   * SSH connection, since a node's row may predate the policy.
   */
  networkPolicy: NetworkPolicy;
  /**
   * The process's SSH connections: one per server, shared by every job talking to it (a
   * manager answering fifty joining nodes sees one connection from this worker, not fifty
   * handshakes, which OpenSSH's MaxStartups would partly refuse).
   */
  ssh: SshPool;
  /** Provider request budgets, kept in Redis and shared with every worker and API process. */
  rateBudgets: RateBudgets;
  /** One reader per cluster for the nodes waiting to be reported Ready. */
  readiness: ReadinessBoard;
  /** Joins in flight through each manager, bounded. */
  joins: JoinPacing;
  /** One read of a cluster's rows for every job of this process waiting on them. */
  clusterWatch: ClusterWatch;
}

/** Where a job stands: `final` is true on the last attempt BullMQ will make. */
export interface Attempt {
  number: number;
  final: boolean;
}
