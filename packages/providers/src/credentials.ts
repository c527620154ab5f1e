// What a user hands Flotilla per provider. The router validates with these schemas before the
// credentials are sealed; the clients receive the parsed values.
import { providerCredentialContext } from '@flotilla/secrets';
import { z } from 'zod';
import { type CloudProvider, regionCodes } from './catalog.ts';

export const digitalOceanCredentials = z.object({
  token: z
    .string()
    .trim()
    .min(20, 'a DigitalOcean personal access token (dop_v1_…) is required')
    .max(200),
});

export const hetznerCredentials = z.object({
  token: z.string().trim().min(20, 'a Hetzner Cloud API token is required').max(200),
});

export const awsCredentials = z.object({
  accessKeyId: z
    .string()
    .trim()
    .regex(
      /^[A-Z0-9]{16,128}$/,
      'an AWS access key id looks like AKIA… (16-128 letters and digits)',
    ),
  secretAccessKey: z.string().trim().min(16, 'the AWS secret access key is required').max(256),
  region: z
    .string()
    .trim()
    .refine((region) => regionCodes('aws').includes(region), {
      error: `must be one of ${regionCodes('aws').join(', ')}`,
    }),
});

export type DigitalOceanCredentials = z.infer<typeof digitalOceanCredentials>;
export type HetznerCredentials = z.infer<typeof hetznerCredentials>;
export type AwsCredentials = z.infer<typeof awsCredentials>;

/** A discriminated union, for inputs that carry the provider next to its credentials. */
export const providerCredentials = z.discriminatedUnion('provider', [
  z.object({ provider: z.literal('digitalocean'), credentials: digitalOceanCredentials }),
  z.object({ provider: z.literal('hetzner'), credentials: hetznerCredentials }),
  z.object({ provider: z.literal('aws'), credentials: awsCredentials }),
]);
export type ProviderCredentials = z.infer<typeof providerCredentials>;

/** The part of a credential that may be shown back (the last four characters of the key). */
export function credentialHint(input: ProviderCredentials): string {
  const secret = input.provider === 'aws' ? input.credentials.accessKeyId : input.credentials.token;
  return `…${secret.slice(-4)}`;
}

/** Anything that seals like `@flotilla/secrets`' createSealer (kept structural: no dependency). */
export interface CredentialSealer {
  seal(plaintext: string, context: string): string;
  open(envelope: string, context: string): string;
}

export function sealProviderCredentials(
  sealer: CredentialSealer,
  credentialId: string,
  input: ProviderCredentials,
): string {
  return sealer.seal(JSON.stringify(input.credentials), providerCredentialContext(credentialId));
}

/** Opens and re-validates what `sealProviderCredentials` stored (the worker's side). */
export function openProviderCredentials(
  sealer: CredentialSealer,
  credentialId: string,
  provider: CloudProvider,
  sealed: string,
): ProviderCredentials {
  const plaintext = sealer.open(sealed, providerCredentialContext(credentialId));
  return providerCredentials.parse({ provider, credentials: JSON.parse(plaintext) });
}
