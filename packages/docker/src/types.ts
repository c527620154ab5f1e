// The parts of the Docker Engine API (v1.41, dockerd 20.10) that Flotilla reads and writes, typed
// as the daemon sends them. Durations are nanoseconds, as on the wire.

export interface Annotations {
  Name: string;
  Labels?: Record<string, string>;
}

export interface HealthConfig {
  /** ["CMD", …], ["CMD-SHELL", "…"] or ["NONE"]. */
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  Retries?: number;
  StartPeriod?: number;
}

/** A mount of a service's containers (`docker service create --mount`). */
export interface Mount {
  Type: 'volume' | 'bind' | 'tmpfs';
  /** The volume's name (per node; created on first use) or the host path. */
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  VolumeOptions?: {
    NoCopy?: boolean;
    Labels?: Record<string, string>;
    DriverConfig?: { Name?: string; Options?: Record<string, string> };
  };
}

/** A Swarm secret given to a service's containers as a file under /run/secrets. */
export interface SecretReference {
  File: { Name: string; UID: string; GID: string; Mode: number };
  SecretID: string;
  SecretName: string;
}

export interface ContainerSpec {
  Image: string;
  Labels?: Record<string, string>;
  Command?: string[];
  Args?: string[];
  Env?: string[];
  Dir?: string;
  User?: string;
  StopGracePeriod?: number;
  // The daemon answers "Healthcheck" (its swagger says "HealthCheck"; decoding ignores case).
  Healthcheck?: HealthConfig;
  Init?: boolean;
  Mounts?: Mount[];
  Secrets?: SecretReference[];
  /** "SIGINT", …: what `docker stop` sends first. */
  StopSignal?: string;
}

export interface RestartPolicy {
  Condition?: 'none' | 'on-failure' | 'any';
  Delay?: number;
  MaxAttempts?: number;
  Window?: number;
}

export interface TaskTemplate {
  ContainerSpec: ContainerSpec;
  RestartPolicy?: RestartPolicy;
  Resources?: {
    Limits?: { NanoCPUs?: number; MemoryBytes?: number };
    Reservations?: { NanoCPUs?: number; MemoryBytes?: number };
  };
  Placement?: { Constraints?: string[]; MaxReplicas?: number };
  Networks?: { Target: string; Aliases?: string[] }[];
  LogDriver?: { Name: string; Options?: Record<string, string> };
  /** Changing it (any value) replaces every task without any other change: a restart. */
  ForceUpdate?: number;
}

export interface UpdateConfig {
  Parallelism?: number;
  Delay?: number;
  FailureAction?: 'continue' | 'pause' | 'rollback';
  Monitor?: number;
  MaxFailureRatio?: number;
  Order?: 'stop-first' | 'start-first';
}

export interface PortConfig {
  Name?: string;
  Protocol?: 'tcp' | 'udp' | 'sctp';
  TargetPort: number;
  PublishedPort?: number;
  PublishMode?: 'ingress' | 'host';
}

export interface ServiceSpec extends Annotations {
  TaskTemplate: TaskTemplate;
  Mode?: { Replicated?: { Replicas: number }; Global?: Record<string, never> };
  UpdateConfig?: UpdateConfig;
  RollbackConfig?: UpdateConfig;
  EndpointSpec?: { Mode?: 'vip' | 'dnsrr'; Ports?: PortConfig[] };
}

export type UpdateState =
  | 'updating'
  | 'paused'
  | 'completed'
  | 'rollback_started'
  | 'rollback_paused'
  | 'rollback_completed';

export interface SwarmService {
  ID: string;
  Version: { Index: number };
  CreatedAt: string;
  UpdatedAt: string;
  Spec: ServiceSpec;
  PreviousSpec?: ServiceSpec;
  Endpoint?: { Ports?: PortConfig[] };
  UpdateStatus?: {
    State?: UpdateState;
    StartedAt?: string;
    CompletedAt?: string;
    Message?: string;
  };
}

export type TaskState =
  | 'new'
  | 'allocated'
  | 'pending'
  | 'assigned'
  | 'accepted'
  | 'preparing'
  | 'ready'
  | 'starting'
  | 'running'
  | 'complete'
  | 'shutdown'
  | 'failed'
  | 'rejected'
  | 'remove'
  | 'orphaned';

export interface SwarmTask {
  ID: string;
  Version: { Index: number };
  CreatedAt: string;
  UpdatedAt: string;
  ServiceID: string;
  Slot?: number;
  NodeID?: string;
  Spec: TaskTemplate;
  Status: {
    Timestamp: string;
    State: TaskState;
    Message?: string;
    /** Why the task failed or is stuck, in the orchestrator's words. */
    Err?: string;
    ContainerStatus?: { ContainerID?: string; PID?: number; ExitCode?: number };
  };
  DesiredState: TaskState;
}

export interface SwarmNode {
  ID: string;
  Description: { Hostname: string };
  Spec: {
    Role: 'manager' | 'worker';
    Availability: 'active' | 'pause' | 'drain';
    Labels?: Record<string, string>;
  };
  Status: { State: 'unknown' | 'down' | 'ready' | 'disconnected'; Addr?: string };
  ManagerStatus?: { Leader?: boolean; Addr?: string };
}

export interface NamedObject {
  ID: string;
  Spec?: { Name?: string; Labels?: Record<string, string> };
  Name?: string;
  Labels?: Record<string, string>;
}

/** `POST /networks/create` */
export interface NetworkCreate {
  Name: string;
  /** "overlay" for a swarm-wide network. */
  Driver?: string;
  /** Containers and services outside the swarm's own may join it (`docker run --network`). */
  Attachable?: boolean;
  Labels?: Record<string, string>;
}

/** A volume of one engine (`GET /volumes`). */
export interface Volume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  Labels?: Record<string, string> | null;
  CreatedAt?: string;
}

/** The parts of `GET /containers/{id}/json` Flotilla reads. */
export interface ContainerInspect {
  Id: string;
  State: {
    Status: string;
    Running: boolean;
    Restarting?: boolean;
    OOMKilled?: boolean;
    ExitCode: number;
    Error?: string;
    StartedAt?: string;
    FinishedAt?: string;
    Health?: { Status: string };
  };
}

/** Credentials for one registry, as the X-Registry-Auth header carries them. */
export interface RegistryAuth {
  username: string;
  password: string;
  /** The registry's host[:port], e.g. "registry.example.com" or "10.0.0.5:5443". */
  serveraddress: string;
}

/** One stats sample of a container (`GET /containers/{id}/stats?stream=false`). */
export interface ContainerStats {
  read: string;
  preread: string;
  cpu_stats: {
    cpu_usage: { total_usage: number; percpu_usage?: number[] };
    system_cpu_usage?: number;
    online_cpus?: number;
  };
  precpu_stats: {
    cpu_usage: { total_usage: number };
    system_cpu_usage?: number;
    online_cpus?: number;
  };
  memory_stats: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes: number; tx_bytes: number }>;
  blkio_stats?: {
    io_service_bytes_recursive?:
      | { major: number; minor: number; op: string; value: number }[]
      | null;
  };
}
