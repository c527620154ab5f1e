import {
  awsCredentials,
  digitalOceanCredentials,
  hetznerCredentials,
} from '@flotilla/providers/credentials';
import { z } from 'zod';
import { organizationId, text } from '../../schemas/common.ts';
import { providerCredential } from './schema.ts';

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
export const providerSetCredentialsOutput = providerCredential;
