import { z } from 'zod';
import { organizationId, text } from '../../schemas/common.ts';
import { registry, registryCaCert, registryName, registryServer } from './schema.ts';

export const registryCreateInput = z.object({
  organizationId,
  /** Default: the server. */
  name: registryName.optional(),
  server: registryServer,
  username: text(1, 255).optional(),
  /** A password or access token; sealed at rest, never returned. */
  password: z.string().min(1).max(4096).optional(),
  /**
   * The CA that signed the registry's certificate, when no public CA did: the API verifies TLS
   * with it and the worker writes it to every node that pulls.
   */
  caCert: registryCaCert.optional(),
  /** Make it the organization's default (where builds push when an app names none). */
  makeDefault: z.boolean().default(false),
});
export const registryCreateOutput = registry;
