import { z } from 'zod';
import { text } from '../../schemas/common.ts';
import { registry, registryCaCert, registryName, registryRef } from './schema.ts';

/** Fields left out stay as they are; null clears one (no user, no password, no own CA). */
export const registryUpdateInput = registryRef.extend({
  name: registryName.optional(),
  username: text(1, 255).nullable().optional(),
  /** A new password or access token (sealed at rest, never returned); null removes it. */
  password: z.string().min(1).max(4096).nullable().optional(),
  /** The registry's CA (PEM), e.g. one added after `registry.test` named an unknown authority. */
  caCert: registryCaCert.nullable().optional(),
});
export const registryUpdateOutput = registry;
