import type { CloudProvider } from './catalog.ts';
import type { CloudClient, CloudClientOptions } from './client.ts';
import type { AwsCredentials, DigitalOceanCredentials, HetznerCredentials } from './credentials.ts';
import { createDigitalOceanClient } from './digitalocean.ts';
import { createHetznerClient } from './hetzner.ts';

export * from './catalog.ts';
export * from './client.ts';
export * from './credentials.ts';
export { createDigitalOceanClient } from './digitalocean.ts';
export { ProviderError } from './errors.ts';
export { createHetznerClient } from './hetzner.ts';
export { serverName } from './naming.ts';
export { type ObtainServerInput, obtainServer } from './obtain.ts';
export * from './rate-budget.ts';
export {
  createRedisRateBudgets,
  type RateBudgetRedis,
  type RedisRateBudgetOptions,
} from './rate-budget-redis.ts';
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
      return createLazyAwsClient(credentials as AwsCredentials, options);
    default:
      throw new Error(`no client for provider ${provider}`);
  }
}

/**
 * The AWS SDK's EC2 client costs about 130 MB of memory once loaded, so it is loaded on the first
 * call: an API or worker process that never talks to AWS never pays for it.
 */
function createLazyAwsClient(
  credentials: AwsCredentials,
  options: CloudClientOptions,
): CloudClient {
  let loaded: Promise<CloudClient> | undefined;
  const aws = () =>
    (loaded ??= import('./aws.ts').then(({ createAwsClient }) =>
      createAwsClient(credentials, options),
    ));
  return {
    provider: 'aws',
    verifyCredentials: async () => (await aws()).verifyCredentials(),
    ensureSshKey: async (name, publicKey, region) =>
      (await aws()).ensureSshKey(name, publicKey, region),
    createServer: async (input) => (await aws()).createServer(input),
    getServer: async (id) => (await aws()).getServer(id),
    waitForServer: async (id, waitOptions) => (await aws()).waitForServer(id, waitOptions),
    findServers: async (filter) => (await aws()).findServers(filter),
    deleteServer: async (id) => (await aws()).deleteServer(id),
    removeClusterResources: async (clusterId) => (await aws()).removeClusterResources(clusterId),
  };
}
