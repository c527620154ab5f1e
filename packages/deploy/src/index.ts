export {
  type AppSpec,
  type AppSpecInput,
  appSpecSchema,
  type ImageReference,
  parseImageReference,
  pinnedImage,
  type RegistryCredentials,
} from './app.ts';
export * from './databases/index.ts';
export * from './kubernetes/index.ts';
export {
  type Judgement,
  judge,
  newWatch,
  type RolloutObservation,
  type RolloutWatch,
  startFailuresOnly,
} from './swarm/judge.ts';
export {
  type BuildOptions,
  buildServiceSpec,
  desiredReplicas,
  monitorMs,
  ownerLabels,
  registryAuth,
  rollbackConfig,
  updateConfig,
  updateOrder,
} from './swarm/spec.ts';
export { createSwarmTarget, type SwarmTargetOptions } from './swarm/target.ts';
export type {
  DeployOptions,
  DeployOutcome,
  DeployResult,
  DeployTarget,
  RemoveResult,
  StoredSpec,
  TaskInfo,
  TaskMetrics,
} from './target.ts';
