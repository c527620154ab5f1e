// Amazon EC2 through the official SDK, one module per resource family under aws/. Instances
// carry the tags `flotilla=true`, `flotilla-cluster=<id>`, `flotilla-node=<id>` and
// `Name=flt-<nodeId>`; RunInstances carries the ClientToken `flotilla-<nodeId>`, so even a create
// the SDK retries after a lost answer yields one instance. Throttling (RequestLimitExceeded) and
// 5xx are retried by the SDK's own standard retry strategy. Key pairs and security groups are
// regional: each is ensured in the region used.

import { verifyAwsCredentials } from './aws/credential-check.ts';
import { createEc2, label } from './aws/ec2.ts';
import { createImageLookup } from './aws/images.ts';
import { createInstances } from './aws/instances.ts';
import { ensureKeyPair } from './aws/key-pairs.ts';
import { enabledRegions } from './aws/regions.ts';
import { createClusterGroups } from './aws/security-groups.ts';
import type { CloudClient, CloudClientOptions, CreateServerInput } from './client.ts';
import { defaultRetryPolicy } from './client.ts';
import { createServerOnce } from './create.ts';
import type { AwsCredentials } from './credentials.ts';
import { accountKey, unlimitedBudget } from './rate-budget.ts';
import { assertRegion } from './region.ts';
import { pollUntilRunning } from './wait.ts';

export function createAwsClient(
  credentials: AwsCredentials,
  options: CloudClientOptions = {},
): CloudClient {
  const retry = { ...defaultRetryPolicy, ...options.retry };
  const pollIntervalMs = options.pollIntervalMs ?? 5_000;
  const budget =
    options.rateBudgets?.account('aws', accountKey(credentials.accessKeyId)) ?? unlimitedBudget;
  const ec2 = createEc2(credentials, options, retry, budget);
  const regions = () => enabledRegions(ec2, credentials.region);
  const imageId = createImageLookup(ec2);
  const groups = createClusterGroups(ec2);
  const instances = createInstances(ec2, regions);

  return {
    provider: 'aws',

    verifyCredentials: () => verifyAwsCredentials(ec2, credentials, imageId),

    ensureSshKey: (name, publicKey, region = credentials.region) =>
      ensureKeyPair(ec2, name, publicKey, region),

    async createServer(input: CreateServerInput) {
      assertRegion('aws', input.region);
      const region = input.region;
      return createServerOnce({
        provider: label,
        log: options.log,
        retry,
        find: async () => (await instances.find({ nodeId: input.nodeId, region }))[0],
        create: async () => {
          const [groupId, image] = await Promise.all([
            groups.ensure(region, input.clusterId),
            imageId(region),
          ]);
          return instances.launch(input, groupId, image);
        },
      });
    },

    getServer: instances.get,

    waitForServer: (id, { timeoutMs }) =>
      pollUntilRunning(label, instances.get, id, { timeoutMs, intervalMs: pollIntervalMs }),

    findServers: (filter) => instances.find(filter),

    async deleteServer(id) {
      await instances.terminate(id);
      options.log?.info({ provider: 'aws', serverId: id }, 'terminated EC2 instance');
    },

    async removeClusterResources(clusterId) {
      await groups.remove(await regions(), clusterId);
    },
  };
}
