// Sealing contexts: a context binds a sealed value to the row it belongs to, so an envelope
// copied into another row (or another kind of secret) does not open. Every package that seals
// or opens one of these uses these functions, so the API and the worker always agree.

/** An SSH key's private half (sshKey rows; the worker's per-cluster cloud keys too). */
export const sshKeyContext = (sshKeyId: string) => `ssh-key:${sshKeyId}`;
/** A cluster's kubeconfig, written by the worker, read by cluster.kubeconfig. */
export const kubeconfigContext = (clusterId: string) => `cluster-kubeconfig:${clusterId}`;
/** A cluster's join tokens (Swarm manager/worker tokens, k3s server token). */
export const joinSecretsContext = (clusterId: string) => `cluster-join:${clusterId}`;
/** A provider credential's API token(s). */
export const providerCredentialContext = (credentialId: string) =>
  `provider-credential:${credentialId}`;
/** An app's secret env values, one sealed JSON object `{NAME: value}` per app. */
export const appSecretEnvContext = (appId: string) => `app-secret-env:${appId}`;
/** The secret env values a deployment applied (so a rollback re-applies exactly them). */
export const deploymentSecretEnvContext = (deploymentId: string) =>
  `deployment-secret-env:${deploymentId}`;
/** A container registry's password or token. */
export const registryPasswordContext = (registryId: string) => `registry-password:${registryId}`;
/** A stack's draft: the values of its compose file's ${VARIABLES}, one sealed JSON object. */
export const stackVariablesContext = (stackId: string) => `stack-variables:${stackId}`;
/** A stack's draft definition (normalized, variables substituted). */
export const stackDefinitionContext = (stackId: string) => `stack-definition:${stackId}`;
/** A stack version's normalized definition. */
export const stackVersionDefinitionContext = (versionId: string) =>
  `stack-version-definition:${versionId}`;
/** A stack version's rendered file, what `docker stack deploy` takes. */
export const stackVersionRenderedContext = (versionId: string) =>
  `stack-version-rendered:${versionId}`;
/** A managed database's password (issue 17), generated at creation. */
export const managedDatabasePasswordContext = (databaseId: string) =>
  `managed-database-password:${databaseId}`;
