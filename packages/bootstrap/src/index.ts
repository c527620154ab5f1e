export { type DockerResult, ensureDocker } from './docker.ts';
export {
  installK3s,
  type K3sNode,
  type K3sSource,
  k3sDeleteNode,
  k3sDrain,
  k3sJoin,
  k3sKubeconfig,
  k3sLabelNode,
  k3sNodes,
  k3sServerInit,
  k3sToken,
  k3sUninstall,
} from './k3s.ts';
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
