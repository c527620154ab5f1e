// Amazon EC2 through the official SDK. Instances carry the tags `flotilla=true`,
// `flotilla-cluster=<id>`, `flotilla-node=<id>` and `Name=flt-<nodeId>`; RunInstances carries the
// ClientToken `flotilla-<nodeId>`, so even a create the SDK retries after a lost answer yields
// one instance. Throttling (RequestLimitExceeded) and 5xx are retried by the SDK's own standard
// retry strategy. Key pairs and security groups are regional: each is ensured in the region used.
import {
  type _InstanceType,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeRegionsCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  type Filter,
  ImportKeyPairCommand,
  type Instance,
  type IpPermission,
  paginateDescribeInstances,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { catalog, machineType, regionCodes } from './catalog.ts';
import type {
  CloudClient,
  CloudClientOptions,
  CreateServerInput,
  CredentialCheck,
  Server,
  ServerStatus,
} from './client.ts';
import { defaultRetryPolicy, goneServer } from './client.ts';
import { createServerOnce } from './create.ts';
import type { AwsCredentials } from './credentials.ts';
import { ProviderError } from './errors.ts';
import {
  clientToken,
  clusterMarker,
  flotillaMarker,
  idsFromLabels,
  machineLabels,
  nodeMarker,
  serverName,
} from './naming.ts';
import { assertRegion } from './region.ts';
import { pollUntilRunning } from './wait.ts';

const label = 'AWS EC2';

const liveStates = ['pending', 'running', 'stopping', 'stopped'];

const statuses: Record<string, ServerStatus> = {
  pending: 'pending',
  running: 'running',
  stopping: 'off',
  stopped: 'off',
  'shutting-down': 'gone',
  terminated: 'gone',
};

/** The ports a cluster's machines open to each other (Swarm, and k3s for Kubernetes clusters). */
const clusterPorts: { protocol: 'tcp' | 'udp'; port: number }[] = [
  { protocol: 'tcp', port: 2377 }, // Swarm management
  { protocol: 'tcp', port: 7946 }, // Swarm gossip
  { protocol: 'udp', port: 7946 },
  { protocol: 'udp', port: 4789 }, // Swarm overlay (VXLAN)
  { protocol: 'udp', port: 8472 }, // k3s flannel VXLAN
  { protocol: 'tcp', port: 10250 }, // kubelet
];
/** Open to the world: the worker reaches machines over SSH, users reach the Kubernetes API. */
const publicPorts = [22, 6443];

/** Server ids name the region, since an instance id alone does not say where it lives. */
function serverId(region: string, instanceId: string): string {
  return `${region}/${instanceId}`;
}

function parseServerId(id: string): { region: string; instanceId: string } {
  const [region, instanceId] = id.split('/');
  if (!region || !instanceId || !/^i-[0-9a-f]+$/.test(instanceId)) {
    throw new ProviderError({
      provider: label,
      code: 'invalid_server_id',
      message: `"${id}" is not an AWS server id (expected <region>/i-…)`,
      retryable: false,
    });
  }
  return { region, instanceId };
}

function toServer(region: string, instance: Instance): Server {
  const tags = Object.fromEntries(
    (instance.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']),
  );
  return {
    id: serverId(region, instance.InstanceId ?? ''),
    name: tags.Name ?? instance.InstanceId ?? '',
    status: statuses[instance.State?.Name ?? ''] ?? 'pending',
    publicIpv4: instance.PublicIpAddress,
    ...idsFromLabels(tags),
  };
}

interface SdkError {
  name: string;
  message: string;
  $metadata?: { httpStatusCode?: number };
}

function toProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const sdk = error as SdkError;
  const status = sdk.$metadata?.httpStatusCode;
  const retryable =
    status === undefined ||
    status >= 500 ||
    sdk.name === 'RequestLimitExceeded' ||
    sdk.name === 'Throttling';
  return new ProviderError({
    provider: label,
    status,
    code: sdk.name,
    message: status === undefined ? `${label} could not be reached: ${sdk.message}` : sdk.message,
    retryable,
    cause: error,
  });
}

const sdkCode = (error: unknown) => (error as SdkError).name;

export function createAwsClient(
  credentials: AwsCredentials,
  options: CloudClientOptions = {},
): CloudClient {
  const retry = { ...defaultRetryPolicy, ...options.retry };
  const pollIntervalMs = options.pollIntervalMs ?? 5_000;
  const clients = new Map<string, EC2Client>();
  const images = new Map<string, string>();
  const groups = new Map<string, string>();
  // Messages name the key the way the dashboard shows it, never in full.
  const keyHint = `…${credentials.accessKeyId.slice(-4)}`;

  function ec2(region: string): EC2Client {
    let client = clients.get(region);
    if (!client) {
      client = new EC2Client({
        region,
        // Unset: the SDK reads AWS_ENDPOINT_URL_EC2 itself, else the regional AWS endpoint.
        ...(options.baseUrl ? { endpoint: options.baseUrl } : {}),
        credentials: {
          accessKeyId: credentials.accessKeyId,
          secretAccessKey: credentials.secretAccessKey,
        },
        maxAttempts: retry.attempts,
        // Without throwOnRequestTimeout the SDK only warns and keeps waiting on a silent endpoint.
        requestHandler: {
          requestTimeout: retry.requestTimeoutMs,
          connectionTimeout: retry.requestTimeoutMs,
          throwOnRequestTimeout: true,
        },
      });
      clients.set(region, client);
    }
    return client;
  }

  async function send<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toProviderError(error);
    }
  }

  /** The newest Ubuntu 24.04 image Canonical publishes in the region. */
  async function imageId(region: string): Promise<string> {
    const cached = images.get(region);
    if (cached) return cached;
    const { Images = [] } = await send(() =>
      ec2(region).send(
        new DescribeImagesCommand({
          Owners: [catalog.aws.imageOwner ?? 'amazon'],
          Filters: [
            { Name: 'name', Values: [catalog.aws.image] },
            { Name: 'state', Values: ['available'] },
          ],
        }),
      ),
    );
    const newest = Images.filter((image) => image.ImageId).sort((a, b) =>
      (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''),
    )[0];
    if (!newest?.ImageId) {
      throw new ProviderError({
        provider: label,
        code: 'image_not_found',
        message: `no image named ${catalog.aws.image} from owner ${catalog.aws.imageOwner} in ${region}`,
        retryable: false,
      });
    }
    images.set(region, newest.ImageId);
    return newest.ImageId;
  }

  /** The cluster's security group in the region, created with its rules if missing. */
  async function clusterGroup(region: string, clusterId: string): Promise<string> {
    const key = `${region}/${clusterId}`;
    const cached = groups.get(key);
    if (cached) return cached;
    const groupName = `flotilla-${clusterId}`;
    const describe = () =>
      send(() =>
        ec2(region).send(
          new DescribeSecurityGroupsCommand({
            Filters: [{ Name: 'group-name', Values: [groupName] }],
          }),
        ),
      );
    let group = (await describe()).SecurityGroups?.[0];
    if (!group) {
      try {
        await ec2(region).send(
          new CreateSecurityGroupCommand({
            GroupName: groupName,
            Description: `Flotilla cluster ${clusterId}`,
            TagSpecifications: [
              {
                ResourceType: 'security-group',
                Tags: [
                  { Key: flotillaMarker, Value: 'true' },
                  { Key: clusterMarker, Value: clusterId },
                ],
              },
            ],
          }),
        );
      } catch (error) {
        // A concurrent node job of the same cluster created it first.
        if (sdkCode(error) !== 'InvalidGroup.Duplicate') throw toProviderError(error);
      }
      group = (await describe()).SecurityGroups?.[0];
    }
    const groupId = group?.GroupId;
    if (!groupId) {
      throw new ProviderError({
        provider: label,
        message: `security group ${groupName} vanished`,
        retryable: true,
      });
    }

    // Rules are added one by one, skipping those present: a job that died after creating the
    // group but before authorizing every rule finishes the job on its retry.
    const present = group?.IpPermissions ?? [];
    const has = (protocol: string, port: number, source: { cidr?: string; group?: string }) =>
      present.some(
        (rule) =>
          rule.IpProtocol === protocol &&
          rule.FromPort === port &&
          rule.ToPort === port &&
          (source.cidr
            ? rule.IpRanges?.some((range) => range.CidrIp === source.cidr)
            : rule.UserIdGroupPairs?.some((pair) => pair.GroupId === source.group)),
      );
    const wanted: IpPermission[] = [
      ...publicPorts
        .filter((port) => !has('tcp', port, { cidr: '0.0.0.0/0' }))
        .map((port) => ({
          IpProtocol: 'tcp',
          FromPort: port,
          ToPort: port,
          IpRanges: [{ CidrIp: '0.0.0.0/0' }],
        })),
      ...clusterPorts
        .filter(({ protocol, port }) => !has(protocol, port, { group: groupId }))
        .map(({ protocol, port }) => ({
          IpProtocol: protocol,
          FromPort: port,
          ToPort: port,
          UserIdGroupPairs: [{ GroupId: groupId }],
        })),
    ];
    for (const permission of wanted) {
      try {
        await ec2(region).send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId: groupId,
            IpPermissions: [permission],
          }),
        );
      } catch (error) {
        if (sdkCode(error) !== 'InvalidPermission.Duplicate') throw toProviderError(error);
      }
    }
    groups.set(key, groupId);
    return groupId;
  }

  async function describe(region: string, filters: Filter[]): Promise<Instance[]> {
    const instances: Instance[] = [];
    await send(async () => {
      for await (const page of paginateDescribeInstances(
        { client: ec2(region), pageSize: 1000 },
        { Filters: filters },
      )) {
        for (const reservation of page.Reservations ?? [])
          instances.push(...(reservation.Instances ?? []));
      }
    });
    return instances;
  }

  /** Regions to search: the catalog's regions this account has enabled. */
  async function enabledRegions(): Promise<string[]> {
    const { Regions = [] } = await send(() =>
      ec2(credentials.region).send(new DescribeRegionsCommand({})),
    );
    const enabled = new Set(Regions.map((region) => region.RegionName));
    return regionCodes('aws').filter((region) => enabled.has(region));
  }

  async function getServer(id: string): Promise<Server> {
    const { region, instanceId } = parseServerId(id);
    try {
      const result = await ec2(region).send(
        new DescribeInstancesCommand({ InstanceIds: [instanceId] }),
      );
      const instance = result.Reservations?.[0]?.Instances?.[0];
      if (instance) return toServer(region, instance);
    } catch (error) {
      if (sdkCode(error) !== 'InvalidInstanceID.NotFound') throw toProviderError(error);
    }
    return goneServer(id);
  }

  async function findServers(
    filter: { clusterId?: string; nodeId?: string; region?: string } = {},
  ) {
    const filters: Filter[] = [
      { Name: `tag:${flotillaMarker}`, Values: ['true'] },
      { Name: 'instance-state-name', Values: liveStates },
      ...(filter.clusterId ? [{ Name: `tag:${clusterMarker}`, Values: [filter.clusterId] }] : []),
      ...(filter.nodeId ? [{ Name: `tag:${nodeMarker}`, Values: [filter.nodeId] }] : []),
    ];
    const regions = filter.region ? [filter.region] : await enabledRegions();
    const found = await Promise.all(
      regions.map(async (region) =>
        (await describe(region, filters)).map((i) => toServer(region, i)),
      ),
    );
    return found.flat();
  }

  return {
    provider: 'aws',

    async verifyCredentials(): Promise<CredentialCheck> {
      let regionStatus: string | undefined;
      try {
        // us-east-1 is enabled for every account, so a failure here is the key, not the region.
        const { Regions = [] } = await ec2('us-east-1').send(
          new DescribeRegionsCommand({ AllRegions: true, RegionNames: [credentials.region] }),
        );
        regionStatus = Regions[0]?.OptInStatus;
      } catch (error) {
        const failure = toProviderError(error);
        if (failure.code === 'AuthFailure' || failure.status === 401) {
          return {
            ok: false,
            problem: 'bad-token',
            message: `AWS rejected the access key ${keyHint}: ${failure.message}`,
          };
        }
        if (failure.status === undefined)
          return { ok: false, problem: 'unreachable', message: failure.message };
        if (failure.code !== 'UnauthorizedOperation') {
          return { ok: false, problem: 'provider-error', message: `${label}: ${failure.message}` };
        }
      }
      if (regionStatus === 'not-opted-in') {
        return {
          ok: false,
          problem: 'wrong-region',
          message: `Region ${credentials.region} is not enabled for this AWS account: enable it (Account → AWS Regions) or choose another region`,
        };
      }
      try {
        await ec2(credentials.region).send(
          new RunInstancesCommand({
            DryRun: true,
            ImageId: await imageId(credentials.region),
            InstanceType: machineType('aws', 'nano').type as _InstanceType,
            MinCount: 1,
            MaxCount: 1,
          }),
        );
      } catch (error) {
        // toProviderError keeps the SDK's code, and passes through the image lookup's own error.
        const failure = toProviderError(error);
        if (failure.code === 'DryRunOperation') {
          return {
            ok: true,
            message: `AWS access key ${keyHint} can launch instances in ${credentials.region}`,
          };
        }
        if (failure.code === 'UnauthorizedOperation') {
          return {
            ok: false,
            problem: 'read-only',
            message: `AWS access key ${keyHint} may not launch instances (needs ec2:RunInstances, ec2:DescribeImages and the other calls in the README): ${failure.message}`,
          };
        }
        return { ok: false, problem: 'provider-error', message: `${label}: ${failure.message}` };
      }
      return {
        ok: false,
        problem: 'provider-error',
        message: `${label} accepted a dry run as a real launch`,
      };
    },

    async ensureSshKey(name, publicKey, region = credentials.region) {
      const existing = await send(() =>
        ec2(region).send(
          new DescribeKeyPairsCommand({ Filters: [{ Name: 'key-name', Values: [name] }] }),
        ),
      );
      if (existing.KeyPairs?.length) return name;
      try {
        await ec2(region).send(
          new ImportKeyPairCommand({
            KeyName: name,
            PublicKeyMaterial: Buffer.from(publicKey.trim()),
          }),
        );
      } catch (error) {
        if (sdkCode(error) !== 'InvalidKeyPair.Duplicate') throw toProviderError(error);
      }
      return name;
    },

    async createServer(input: CreateServerInput) {
      assertRegion('aws', input.region);
      const region = input.region;
      return createServerOnce({
        provider: label,
        log: options.log,
        retry,
        find: async () => (await findServers({ nodeId: input.nodeId, region }))[0],
        create: async () => {
          const [groupId, image] = await Promise.all([
            clusterGroup(region, input.clusterId),
            imageId(region),
          ]);
          const tags = {
            Name: input.name ?? serverName(input.nodeId),
            ...machineLabels(input.clusterId, input.nodeId),
          };
          const result = await send(() =>
            ec2(region).send(
              new RunInstancesCommand({
                ClientToken: clientToken(input.nodeId),
                ImageId: image,
                InstanceType: machineType('aws', input.plan).type as _InstanceType,
                KeyName: input.sshKeyRef,
                MinCount: 1,
                MaxCount: 1,
                SecurityGroupIds: [groupId],
                UserData: input.userData
                  ? Buffer.from(input.userData).toString('base64')
                  : undefined,
                TagSpecifications: [
                  {
                    ResourceType: 'instance',
                    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
                  },
                ],
              }),
            ),
          );
          const instance = result.Instances?.[0];
          if (!instance) {
            throw new ProviderError({
              provider: label,
              message: 'RunInstances returned no instance',
              retryable: true,
            });
          }
          return toServer(region, instance);
        },
      });
    },

    getServer,

    waitForServer: (id, { timeoutMs }) =>
      pollUntilRunning(label, getServer, id, { timeoutMs, intervalMs: pollIntervalMs }),

    findServers,

    async deleteServer(id) {
      const { region, instanceId } = parseServerId(id);
      try {
        await ec2(region).send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
      } catch (error) {
        if (sdkCode(error) !== 'InvalidInstanceID.NotFound') throw toProviderError(error);
      }
      options.log?.info({ provider: 'aws', serverId: id }, 'terminated EC2 instance');
    },

    async removeClusterResources(clusterId) {
      for (const region of await enabledRegions()) {
        const { SecurityGroups = [] } = await send(() =>
          ec2(region).send(
            new DescribeSecurityGroupsCommand({
              Filters: [{ Name: 'group-name', Values: [`flotilla-${clusterId}`] }],
            }),
          ),
        );
        for (const group of SecurityGroups) {
          // DependencyViolation while instances are still shutting down: retryable, try later.
          await send(() =>
            ec2(region).send(new DeleteSecurityGroupCommand({ GroupId: group.GroupId })),
          );
        }
        groups.delete(`${region}/${clusterId}`);
      }
    },
  };
}
