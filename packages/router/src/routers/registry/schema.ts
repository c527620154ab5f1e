// The shapes registry.* procedures share. Only zod here: the dashboard imports it.
import { z } from 'zod';
import { idSchema, isoDate, text } from '../../schemas/common.ts';

export const registryIdSchema = idSchema;

/** host[:port] as image names spell the registry ("registry.example.com", "10.0.0.5:5443"). */
export const registryServer = z
  .string()
  .trim()
  .toLowerCase()
  .max(260)
  .regex(
    /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/,
    'must be a registry host as image names spell it: host or host:port, no scheme or path',
  );

export const registryName = text(1, 100);

/**
 * PEM of the CA that signed the registry's certificate (a bundle of several is fine), for a
 * registry no public CA signed. Parsed as X.509 by the API (`ca.ts`); here only its shape, so the
 * dashboard can check a form without node:crypto.
 */
export const registryCaCert = z
  .string()
  .trim()
  .max(64 * 1024)
  .regex(
    /-----BEGIN CERTIFICATE-----/,
    'must be a PEM certificate (-----BEGIN CERTIFICATE----- …)',
  );

export const registry = z.object({
  id: z.string(),
  organizationId: z.string(),
  name: z.string(),
  server: z.string(),
  username: z.string().nullable(),
  /** The password itself is never returned. */
  hasPassword: z.boolean(),
  isDefault: z.boolean(),
  /** PEM of the registry's own CA, when one is stored (public: the nodes are given it). */
  caCert: z.string().nullable(),
  lastTestedAt: isoDate.nullable(),
  lastTestError: z.string().nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
});

export const registryRef = z.object({ registryId: registryIdSchema });
