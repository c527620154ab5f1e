// Everything a job needs, created once per worker process and passed in.
import type { Db } from '@flotilla/db';
import type { Logger } from '@flotilla/log';
import type { CloudProvider } from '@flotilla/providers';
import type { Queues } from '@flotilla/queue';
import type { Sealer } from '@flotilla/secrets';

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
}

export interface Engine {
  db: Db;
  queues: Queues;
  sealer: Sealer;
  log: Logger;
  settings: EngineSettings;
}

/** Where a job stands: `final` is true on the last attempt BullMQ will make. */
export interface Attempt {
  number: number;
  final: boolean;
}
