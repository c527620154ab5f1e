export type { ClusterAccess, ClusterPermission } from './access.ts';
export { type AppRouter, appRouter } from './app.ts';
export {
  type Context,
  createContext,
  createRouterServices,
  type RequestInfo,
  type RouterServiceOptions,
  type RouterServices,
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
export { defaultLoginLimits, type LoginLimits } from './rate-limit.ts';
export { type Route, routes } from './routes.ts';
export type { Principal } from './session.ts';
export { createCallerFactory, type HttpMethod, type Meta } from './trpc.ts';
