// What Swarm offers an app (swarm/target.ts). Kubernetes has a target of its own
// (kubernetes/target.ts: typed manifests, server-side apply, no logs or metrics without the
// kubelet); the worker and the router branch on the orchestrator only to choose the target.
import type { LogLine, ServiceSpec } from '@flotilla/docker';
import type { AppSpec, RegistryCredentials } from './app.ts';

/** What a deployment row keeps: enough to re-apply it exactly, with no rebuild or re-resolve. */
export type StoredSpec = { orchestrator: 'swarm'; image: string; spec: ServiceSpec };

export interface DeployOptions {
  /** Credentials for the image's registry; handed to the nodes, never stored in the spec. */
  registry?: RegistryCredentials;
  /** Give up (and restore the previous spec) after this long; default 10 minutes. */
  timeoutMs?: number;
  /** A task pending longer than this ("no suitable node") fails the deploy; default 60 s. */
  pendingTimeoutMs?: number;
  /** Cancels the deploy: the previous spec is put back. */
  signal?: AbortSignal;
  /** Every judgement while watching (for live progress). */
  onProgress?: (detail: string) => void;
}

export type DeployOutcome = 'succeeded' | 'failed' | 'timedOut' | 'cancelled';

export interface DeployResult {
  outcome: DeployOutcome;
  /** Why it did not succeed, in the orchestrator's words where it gave any. */
  reason?: string;
  serviceId: string;
  /** What was applied: store it with the deployment; `rollbackTo` takes it back. */
  applied: StoredSpec;
  /** The spec that was live before, if any (what a failure leaves serving). */
  previous?: StoredSpec;
  /** After a failure: the service is back on the previous spec (by Swarm or by us). */
  restored: boolean;
  durationMs: number;
}

export interface TaskInfo {
  id: string;
  /** "<service>.<slot>.<task id>", as `docker service ps` names it. */
  name: string;
  slot?: number;
  nodeId?: string;
  /** The node's hostname, when the node is known. */
  node?: string;
  state: string;
  desiredState: string;
  /** The orchestrator's error for a failed or stuck task. */
  error?: string;
  message?: string;
  containerId?: string;
  image: string;
  /** Runs the service's current spec. */
  upToDate: boolean;
  updatedAt: string;
}

export interface TaskMetrics {
  taskId: string;
  nodeId: string;
  cpuPercent: number;
  cpuTotalNanos: number;
  memoryBytes: number;
  memoryLimitBytes: number;
  networkRxBytes: number;
  networkTxBytes: number;
  diskReadBytes: number;
  diskWriteBytes: number;
}

export interface RemoveResult {
  /** False when there was nothing to remove. */
  removed: boolean;
  configs: number;
  secrets: number;
  networks: number;
}

export interface DeployTarget {
  /** Resolves the image to a digest and builds what would be applied (no change made). */
  plan(app: AppSpec, options?: Pick<DeployOptions, 'registry' | 'signal'>): Promise<StoredSpec>;
  /** Plans and applies, then watches until the orchestrator says it came up, or not. */
  deploy(app: AppSpec, options?: DeployOptions): Promise<DeployResult>;
  /** Re-applies a stored deployment as it was (never the orchestrator's own "previous"). */
  rollbackTo(stored: StoredSpec, options?: DeployOptions): Promise<DeployResult>;
  scale(name: string, replicas: number, options?: DeployOptions): Promise<DeployResult>;
  /** Replaces every task with the same spec. */
  restart(name: string, options?: DeployOptions): Promise<DeployResult>;
  tasks(name: string, options?: { signal?: AbortSignal }): Promise<TaskInfo[]>;
  logs(
    name: string,
    options?: { tail?: number; since?: number; signal?: AbortSignal },
  ): Promise<LogLine[]>;
  followLogs(name: string, options: { tail?: number; signal: AbortSignal }): AsyncIterable<LogLine>;
  metrics(name: string, options?: { signal?: AbortSignal }): Promise<TaskMetrics[]>;
  /** Removes the app and everything created for it; resolves once nothing is left. */
  remove(name: string, options?: { appId?: string; timeoutMs?: number }): Promise<RemoveResult>;
}
