// One prom-client registry per process (never the library's global one: tests run several
// processes' worth in one), with what that process feeds: the API times requests, the worker
// jobs; both count SSH connections and report the deployment's state and Node's own metrics.
import { jobs as jobDefinitions } from '@flotilla/queue';
import { observeSsh, type SshPoolStats } from '@flotilla/ssh';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import {
  definitions,
  type JobOutcome,
  queueStates,
  sshFailureReasons,
  type Transport,
} from './definitions.ts';
import type { StateSource } from './state.ts';

export interface Metrics {
  readonly registry: Registry;
  /** Stops observing SSH connections (the process-wide observer). */
  close(): void;
}

interface BaseOptions {
  version: string;
  /** The state gauges' readings; without it they are registered but report nothing. */
  state?: StateSource;
  /** Called when a state reading fails (the gauges are then left out of that scrape). */
  onStateError?: (error: unknown, source: 'database' | 'queues') => void;
}

/** The series of one procedure on one transport; bound once, observed per request. */
export interface RouteTimer {
  observe(status: number, seconds: number): void;
}

export interface RequestMetrics {
  /** The timer of `procedure` as reached over `transport` (cached: call it per request freely). */
  route(transport: Transport, procedure: string): RouteTimer;
}

export interface ApiMetrics extends Metrics {
  requests: RequestMetrics;
}

export interface JobMetrics {
  /** One attempt of a job ended after `seconds`. */
  observe(job: string, outcome: JobOutcome, seconds: number): void;
}

export interface WorkerMetrics extends Metrics {
  jobs: JobMetrics;
}

export function createApiMetrics(options: BaseOptions): ApiMetrics {
  const base = createBase('api', options);
  const histogram = new Histogram({
    ...definitions.requestDuration,
    labelNames: [...definitions.requestDuration.labelNames],
    buckets: [...definitions.requestDuration.buckets],
    registers: [base.registry],
  });
  // Per transport, per procedure: two lookups by strings the route table already holds, no key
  // built per request.
  const timers = new Map<Transport, Map<string, RouteTimer>>();
  return {
    ...base,
    requests: {
      route(transport, procedure) {
        let byProcedure = timers.get(transport);
        if (!byProcedure) {
          byProcedure = new Map();
          timers.set(transport, byProcedure);
        }
        let timer = byProcedure.get(procedure);
        if (!timer) {
          // prom-client finds a series by its label values on every observe; the children are
          // made once per status so a request does no more than that.
          const children = new Map<number, Histogram.Internal<string>>();
          timer = {
            observe(status, seconds) {
              let child = children.get(status);
              if (!child) {
                child = histogram.labels(transport, procedure, String(status));
                children.set(status, child);
              }
              child.observe(seconds);
            },
          };
          byProcedure.set(procedure, timer);
        }
        return timer;
      },
    },
  };
}

export interface WorkerMetricsOptions extends BaseOptions {
  /** The worker's shared SSH pool, read at scrape time. */
  sshPool?: () => SshPoolStats;
}

export function createWorkerMetrics(options: WorkerMetricsOptions): WorkerMetrics {
  const base = createBase('worker', options);
  const duration = new Histogram({
    ...definitions.jobDuration,
    labelNames: [...definitions.jobDuration.labelNames],
    buckets: [...definitions.jobDuration.buckets],
    registers: [base.registry],
  });
  const attempts = new Counter({
    ...definitions.jobs,
    labelNames: [...definitions.jobs.labelNames],
    registers: [base.registry],
  });
  // Job names come from the job registry only: a label value is never taken from a payload.
  const known = new Set<string>(Object.keys(jobDefinitions));
  const pool = options.sshPool;
  if (pool) {
    new Gauge({
      ...definitions.sshPoolConnections,
      labelNames: [],
      registers: [base.registry],
      collect() {
        this.set(pool().connections);
      },
    });
    new Gauge({
      ...definitions.sshPoolWaiting,
      labelNames: [],
      registers: [base.registry],
      collect() {
        this.set(pool().waiting);
      },
    });
  }
  return {
    ...base,
    jobs: {
      observe(job, outcome, seconds) {
        const name = known.has(job) ? job : 'unknown';
        duration.labels(name, outcome).observe(seconds);
        attempts.labels(name, outcome).inc();
      },
    },
  };
}

const lintFailingDefaults = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

function createBase(role: 'api' | 'worker', options: BaseOptions): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Gauges named like counters, which `promtool check metrics` rejects; each is the sum of a
  // by-type gauge that stays (`nodejs_active_handles{type=…}`, …).
  for (const name of lintFailingDefaults) registry.removeSingleMetric(name);
  new Gauge({
    ...definitions.buildInfo,
    labelNames: [...definitions.buildInfo.labelNames],
    registers: [registry],
  }).set({ role, version: options.version }, 1);

  const attempts = new Counter({
    ...definitions.sshConnectionAttempts,
    labelNames: [],
    registers: [registry],
  });
  const failures = new Counter({
    ...definitions.sshHandshakeErrors,
    labelNames: [...definitions.sshHandshakeErrors.labelNames],
    registers: [registry],
  });
  const handshake = new Histogram({
    ...definitions.sshHandshakeDuration,
    labelNames: [],
    buckets: [...definitions.sshHandshakeDuration.buckets],
    registers: [registry],
  });
  // Zero from the start: `rate()` needs the series before its first increase.
  for (const reason of sshFailureReasons) failures.labels(reason).inc(0);
  const stopObserving = observeSsh({
    connection({ outcome, durationMs }) {
      attempts.inc();
      if (outcome === 'opened') handshake.observe(durationMs / 1000);
      else failures.labels(outcome).inc();
    },
  });

  registerState(registry, options);
  return { registry, close: stopObserving };
}

function registerState(registry: Registry, { state, onStateError }: BaseOptions): void {
  const errors = new Counter({
    ...definitions.stateReadErrors,
    labelNames: [...definitions.stateReadErrors.labelNames],
    registers: [registry],
  });
  errors.labels('database').inc(0);
  errors.labels('queues').inc(0);
  // Gauges reading one cached snapshot: the first to collect reads it, the rest share it. A
  // failed reading leaves the gauges empty for that scrape (a stale number would look current).
  const failed = new WeakSet<Promise<unknown>>();
  const read = async <T>(
    source: 'database' | 'queues',
    get: () => Promise<T>,
  ): Promise<T | undefined> => {
    const reading = get();
    try {
      return await reading;
    } catch (error) {
      if (!failed.has(reading)) {
        failed.add(reading);
        errors.labels(source).inc();
        onStateError?.(error, source);
      }
      return undefined;
    }
  };
  const database = () => (state ? read('database', state.database) : Promise.resolve(undefined));

  new Gauge({
    ...definitions.queueJobs,
    labelNames: [...definitions.queueJobs.labelNames],
    registers: [registry],
    async collect() {
      this.reset();
      const depths = state ? await read('queues', state.queues) : undefined;
      for (const { queue, counts } of depths ?? []) {
        for (const stateName of queueStates)
          this.set({ queue, state: stateName }, counts[stateName]);
      }
    },
  });
  new Gauge({
    ...definitions.clusters,
    labelNames: [...definitions.clusters.labelNames],
    registers: [registry],
    async collect() {
      this.reset();
      const snapshot = await database();
      for (const [status, count] of Object.entries(snapshot?.clusters ?? {})) {
        this.set({ status }, count);
      }
    },
  });
  new Gauge({
    ...definitions.nodes,
    labelNames: [...definitions.nodes.labelNames],
    registers: [registry],
    async collect() {
      this.reset();
      const snapshot = await database();
      for (const [status, count] of Object.entries(snapshot?.nodes ?? {})) {
        this.set({ status }, count);
      }
    },
  });
  new Gauge({
    ...definitions.outboxBacklog,
    labelNames: [],
    registers: [registry],
    async collect() {
      // NaN while unread: a label-less gauge cannot be left out, and 0 would look current.
      const snapshot = await database();
      this.set(snapshot ? snapshot.outboxBacklog : Number.NaN);
    },
  });
  new Gauge({
    ...definitions.outboxOldest,
    labelNames: [],
    registers: [registry],
    async collect() {
      const snapshot = await database();
      this.set(snapshot ? snapshot.outboxOldestSeconds : Number.NaN);
    },
  });
}
