export {
  definitions,
  type JobOutcome,
  jobOutcomes,
  type MetricKey,
  type QueueState,
  queueStates,
  type Transport,
  transports,
} from './definitions.ts';
export {
  hasBearerToken,
  type MetricsServer,
  type MetricsServerOptions,
  serveMetrics,
  startMetricsServer,
} from './http.ts';
export {
  type ApiMetrics,
  createApiMetrics,
  createWorkerMetrics,
  type JobMetrics,
  type Metrics,
  type RequestMetrics,
  type RouteTimer,
  type WorkerMetrics,
  type WorkerMetricsOptions,
} from './registry.ts';
export {
  createStateSource,
  type QueueDepths,
  type StateSnapshot,
  type StateSource,
  type StateSourceOptions,
} from './state.ts';
