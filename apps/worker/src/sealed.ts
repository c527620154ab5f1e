// The sealing contexts of the secrets the worker reads and writes. A context binds a sealed
// value to its record, so a value copied into another row does not open.
import type { Sealer } from '@flotilla/secrets';
import { z } from 'zod';

export const sshKeyContext = (sshKeyId: string) => `ssh-key:${sshKeyId}`;
export const joinSecretsContext = (clusterId: string) => `cluster-join:${clusterId}`;
export const kubeconfigContext = (clusterId: string) => `cluster-kubeconfig:${clusterId}`;

/** What a node needs to join: Swarm's manager and worker tokens, or k3s's server token. */
export const joinSecretsSchema = z.object({
  manager: z.string().min(1),
  worker: z.string().min(1),
});
export type JoinSecrets = z.infer<typeof joinSecretsSchema>;

export function sealJoinSecrets(sealer: Sealer, clusterId: string, secrets: JoinSecrets): string {
  return sealer.seal(JSON.stringify(secrets), joinSecretsContext(clusterId));
}

export function openJoinSecrets(sealer: Sealer, clusterId: string, sealed: string): JoinSecrets {
  return joinSecretsSchema.parse(JSON.parse(sealer.open(sealed, joinSecretsContext(clusterId))));
}
