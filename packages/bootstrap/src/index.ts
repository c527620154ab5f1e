export { type DockerResult, ensureDocker } from './docker.ts';
export { BootstrapError, type Remote, type RemoteWithUpload, type StepResult } from './remote.ts';
export {
  type JoinTokens,
  type SwarmInfo,
  type SwarmInitResult,
  type SwarmJoinResult,
  type SwarmNode,
  swarmDemote,
  swarmDrain,
  swarmInfo,
  swarmInit,
  swarmJoin,
  swarmJoinTokens,
  swarmLabelNode,
  swarmLeave,
  swarmNodes,
  swarmPromote,
  swarmRemoveNode,
} from './swarm.ts';
