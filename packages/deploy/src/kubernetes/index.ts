// Apps, databases and stacks on Kubernetes (k3s): typed, validated objects, server-side apply
// through an SSH tunnel, rollouts judged as `kubectl rollout status` does. See the README.
export {
  type CallOptions,
  createKubernetesClient,
  KubernetesApiError,
  type KubernetesClient,
  type KubernetesClientOptions,
} from './client.ts';
export { type WorkloadEvent, workloadEvents } from './events.ts';
export { type KubeCredentials, parseKubeconfig } from './kubeconfig.ts';
export {
  annotationKeys,
  appsNamespace,
  buildAppObjects,
  buildDatabaseObjects,
  buildStackObjects,
  databasePorts,
  databaseSecretsPath,
  type KubernetesAppOptions,
  type KubernetesDatabaseSpec,
  type KubernetesStackSpec,
  type KubernetesStoredSpec,
  labelKeys,
  type Owner,
  type OwnerKind,
  ownerLabels as kubernetesOwnerLabels,
  ownerSelector,
  ownerValue,
  pullSecretData,
} from './objects.ts';
export { type Kind, type KubeObject, objectName, resourceTypes } from './resources.ts';
export {
  deploymentRollout,
  type PodInfo,
  podInfo,
  type RolloutVerdict,
  statefulSetRollout,
} from './rollout.ts';
export {
  appliable,
  createKubernetesTarget,
  type KubernetesDeployOptions,
  type KubernetesDeployResult,
  type KubernetesTarget,
  type KubernetesTargetOptions,
  type WorkloadRef,
  type WorkloadStatus,
} from './target.ts';
export { KubernetesValidationError, validateObject } from './validate.ts';
