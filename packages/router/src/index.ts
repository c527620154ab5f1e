export type { ClusterAccess, ClusterPermission } from './access.ts';
export { type AppRouter, appRouter } from './app.ts';
export {
  type ClusterConnections,
  ClusterUnreachableError,
  createClusterConnections,
  type SwarmConnection,
} from './cluster-connections.ts';
export {
  type Context,
  createContext,
  createRouterServices,
  type RequestInfo,
  type RouterServiceOptions,
  type RouterServices,
  routerSettingsFromConfig,
} from './context.ts';
export {
  databaseRetryAfterSeconds,
  describeError,
  type ErrorBody,
  type FieldIssue,
  httpStatusOf,
} from './errors.ts';
export { createEventHub, type EventHub } from './events.ts';
export { pruneIdempotencyKeys } from './idempotency.ts';
export {
  type QuotaKind,
  type QuotaLimits,
  quotaDefaultsFromConfig,
  quotaKinds,
} from './quota.ts';
export { defaultLoginLimits, type LoginLimits } from './rate-limit.ts';
export {
  matchRest,
  type ProcedurePath,
  type RestMatch,
  type RestRoute,
  rest,
  restInput,
  restIssues,
  restMatcher,
  restRoutes,
} from './rest.ts';
export {
  checkQueueViewAccess,
  type QueueViewAccess,
  queueViewPath,
} from './routers/controlPlane/queueViewAccess.ts';
export { type Route, routes } from './routes.ts';
export type { Principal, SessionLifetimes } from './session.ts';
export { createCallerFactory, type HttpMethod, type Meta } from './trpc.ts';
