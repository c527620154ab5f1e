// Every metric Flotilla exposes, defined once: name, help, labels, buckets. The API and the worker
// register the ones they feed (registry.ts); the Grafana dashboard (grafana/flotilla.json) may
// only query names from here, which its test checks. Names follow Prometheus's conventions: a
// `flotilla_` prefix, base units (seconds), `_total` on counters.

/** How a request reached a procedure. */
export const transports = ['api', 'rest', 'trpc'] as const;
export type Transport = (typeof transports)[number];

/**
 * How one attempt of a job ended: `completed`; `retried` (it failed and BullMQ tries again after
 * its backoff); `failed` (no attempt left, or a failure no retry can help, like a changed host key).
 */
export const jobOutcomes = ['completed', 'retried', 'failed'] as const;
export type JobOutcome = (typeof jobOutcomes)[number];

/** Why an SSH connection failed before a session existed (`@flotilla/ssh`'s observer reports). */
export const sshFailureReasons = [
  'unreachable',
  'hostKeyChanged',
  'authentication',
  'other',
] as const;

/** The BullMQ states a queue's depth is reported in. */
export const queueStates = ['waiting', 'active', 'delayed', 'failed'] as const;
export type QueueState = (typeof queueStates)[number];

interface Definition {
  name: string;
  help: string;
  labelNames: readonly string[];
}

interface HistogramDefinition extends Definition {
  buckets: readonly number[];
}

export const definitions = {
  buildInfo: {
    name: 'flotilla_build_info',
    help: 'Always 1; the labels say which Flotilla process and version this is',
    labelNames: ['role', 'version'],
  },
  // The API: every procedure call over plain HTTP (/api/<procedure>), a REST alias, or /trpc.
  requestDuration: {
    name: 'flotilla_http_request_duration_seconds',
    help: 'Time from a request arriving to its answer being written, per procedure (a subscription: until its stream opened)',
    labelNames: ['transport', 'procedure', 'status'],
    // Most answers take milliseconds; a create that waits on its transaction, seconds.
    buckets: [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  },
  // The worker: one observation per job attempt.
  jobDuration: {
    name: 'flotilla_job_duration_seconds',
    help: 'How long one attempt of a background job ran, by job name and outcome',
    labelNames: ['job', 'outcome'],
    // A health-check pass takes well under a second; provisioning a node, minutes.
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
  },
  jobs: {
    name: 'flotilla_jobs_total',
    help: 'Job attempts by job name and outcome (completed, retried, failed)',
    labelNames: ['job', 'outcome'],
  },
  // SSH, in whichever process opens connections (the worker mostly; the API for logs and tests).
  sshConnectionAttempts: {
    name: 'flotilla_ssh_connection_attempts_total',
    help: 'SSH connections this process tried to open (TCP, handshake, host key check, login)',
    labelNames: [],
  },
  sshHandshakeErrors: {
    name: 'flotilla_ssh_handshake_errors_total',
    help: 'SSH connections that failed before a session existed, by reason',
    labelNames: ['reason'],
  },
  sshHandshakeDuration: {
    name: 'flotilla_ssh_handshake_duration_seconds',
    help: 'Time to open an SSH connection (TCP, handshake, login), successful ones only',
    labelNames: [],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  },
  sshPoolConnections: {
    name: 'flotilla_ssh_pool_connections',
    help: "Connections open in the worker's shared SSH pool (one per server)",
    labelNames: [],
  },
  sshPoolWaiting: {
    name: 'flotilla_ssh_pool_waiting',
    help: 'Commands waiting for a free channel on a pooled SSH connection',
    labelNames: [],
  },
  // The state of the whole deployment, read at scrape time (the same from every process).
  queueJobs: {
    name: 'flotilla_queue_jobs',
    help: 'Jobs in each BullMQ queue (shared, and the worker nodes own) by state',
    labelNames: ['queue', 'state'],
  },
  clusters: {
    name: 'flotilla_clusters',
    help: 'Clusters by status',
    labelNames: ['status'],
  },
  nodes: {
    name: 'flotilla_nodes',
    help: 'Cluster nodes by status',
    labelNames: ['status'],
  },
  outboxBacklog: {
    name: 'flotilla_outbox_backlog',
    help: 'Jobs written to the outbox and not yet moved to Redis',
    labelNames: [],
  },
  outboxOldest: {
    name: 'flotilla_outbox_oldest_seconds',
    help: 'Age of the oldest job still waiting in the outbox (0 when it is empty)',
    labelNames: [],
  },
  stateReadErrors: {
    name: 'flotilla_state_read_errors_total',
    help: 'Scrapes whose state gauges could not be read (database: Postgres; queues: Redis or Postgres) and were left out',
    labelNames: ['source'],
  },
} as const satisfies Record<string, Definition | HistogramDefinition>;

export type MetricKey = keyof typeof definitions;
