// The secrets the worker seals itself: a cluster's join tokens. The contexts of every sealed
// value live in @flotilla/secrets, shared with the API.
import { joinSecretsContext, type Sealer } from '@flotilla/secrets';
import { z } from 'zod';

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
