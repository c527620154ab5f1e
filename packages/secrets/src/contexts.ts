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
