import {
  awsCredentials,
  digitalOceanCredentials,
  hetznerCredentials,
} from '@flotilla/providers/credentials';
import { z } from 'zod';
import { idSchema, isoDate, organizationId, text } from './common.ts';

export const providerCredentialId = idSchema;
export const cloudProvider = z.enum(['digitalocean', 'hetzner', 'aws']);

const credentialName = text(1, 100).default('default');

/** One shape per provider, so a wrong field is named precisely (`credentials.secretAccessKey`). */
export const providerSetCredentialsInput = z.discriminatedUnion('provider', [
  z.object({
    organizationId,
    name: credentialName,
    provider: z.literal('digitalocean'),
    credentials: digitalOceanCredentials,
  }),
  z.object({
    organizationId,
    name: credentialName,
    provider: z.literal('hetzner'),
    credentials: hetznerCredentials,
  }),
  z.object({
    organizationId,
    name: credentialName,
    provider: z.literal('aws'),
    credentials: awsCredentials,
  }),
]);

/** What is ever shown of stored credentials: never the secret, only its last characters. */
export const providerCredential = z.object({
  id: z.string(),
  provider: cloudProvider,
  name: z.string(),
  hint: z.string(),
  defaultRegion: z.string().nullable(),
  clusters: z.number().int(),
  createdAt: isoDate,
  updatedAt: isoDate,
});

export const providerListCredentialsInput = z.object({
  organizationId,
  provider: cloudProvider.optional(),
});
export const providerListCredentialsOutput = z.array(providerCredential);

export const providerRemoveCredentialsInput = z.object({ providerCredentialId });

export const providerTestInput = z.object({ providerCredentialId });
export const providerTestOutput = z.object({
  ok: z.boolean(),
  problem: z
    .enum(['bad-token', 'read-only', 'wrong-region', 'unreachable', 'provider-error'])
    .nullable(),
  message: z.string(),
});
