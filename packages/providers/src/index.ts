import { createAwsClient } from './aws.ts';
import type { CloudProvider } from './catalog.ts';
import type { CloudClient, CloudClientOptions } from './client.ts';
import type { AwsCredentials, DigitalOceanCredentials, HetznerCredentials } from './credentials.ts';
import { createDigitalOceanClient } from './digitalocean.ts';
import { createHetznerClient } from './hetzner.ts';

export { createAwsClient } from './aws.ts';
export * from './catalog.ts';
export * from './client.ts';
export * from './credentials.ts';
export { createDigitalOceanClient } from './digitalocean.ts';
export { ProviderError } from './errors.ts';
export { createHetznerClient } from './hetzner.ts';
export { serverName } from './naming.ts';
export { type ObtainServerInput, obtainServer } from './obtain.ts';
export { sweepOrphans } from './sweep.ts';

export interface CredentialsByProvider {
  digitalocean: DigitalOceanCredentials;
  hetzner: HetznerCredentials;
  aws: AwsCredentials;
}

/** The one entry point the worker and the router use: provider and credentials in, a client out. */
export function createCloudClient<P extends CloudProvider>(
  provider: P,
  credentials: CredentialsByProvider[P],
  options: CloudClientOptions = {},
): CloudClient {
  switch (provider) {
    case 'digitalocean':
      return createDigitalOceanClient(credentials as DigitalOceanCredentials, options);
    case 'hetzner':
      return createHetznerClient(credentials as HetznerCredentials, options);
    case 'aws':
      return createAwsClient(credentials as AwsCredentials, options);
    default:
      throw new Error(`no client for provider ${provider}`);
  }
}
