export {
  apiVersion,
  type CallOptions,
  connectDocker,
  type DockerEngine,
  type DockerEngineOptions,
  encodeRegistryAuth,
  type Filters,
  type LogOptions,
} from './engine.ts';
export { DockerApiError } from './errors.ts';
export { ExecDemuxer, type ExecOptions, type ExecProcess } from './exec.ts';
export { LogDemuxer, type LogLine, parseLogFrames } from './logs.ts';
export { type ContainerMetrics, containerMetrics } from './stats.ts';
export type * from './types.ts';
