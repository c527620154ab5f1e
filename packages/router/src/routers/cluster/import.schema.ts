import { z } from 'zod';
import { idSchema, organizationId, text } from '../../schemas/common.ts';
import {
  clusterDetail,
  clusterName,
  hostSchema,
  orchestratorSchema,
  sshPort,
  sshUser,
} from './schema.ts';

/**
 * A Swarm (or k3s cluster) Flotilla did not create, adopted through SSH access to one of its
 * managers: its nodes are discovered and recorded, the manager's host key pinned, and from then
 * on it is health-checked like Flotilla's own. Removing it forgets it; its servers keep running.
 */
export const clusterImportInput = z.object({
  organizationId,
  name: clusterName,
  orchestrator: orchestratorSchema.default('swarm'),
  /** A manager of the Swarm (`docker node ls` answers there), or a k3s server. */
  host: hostSchema,
  port: sshPort.default(22),
  user: sshUser.default('root'),
  /** The organization's SSH key the manager accepts (from sshKey.create). */
  sshKeyId: idSchema,
  /** Free text for where the servers are ("office", "fra-rack-2"). */
  region: text(1, 64).default('adopted'),
});
export const clusterImportOutput = clusterDetail;
