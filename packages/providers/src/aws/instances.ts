// Instances: launched with the node's tags and ClientToken, found by tag across the enabled
// regions, terminated. Server ids are `<region>/<instance id>`, since an instance id alone does
// not say where it lives.
import {
  type _InstanceType,
  DescribeInstancesCommand,
  type Filter,
  type Instance,
  paginateDescribeInstances,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { machineType } from '../catalog.ts';
import { type CreateServerInput, goneServer, type Server, type ServerStatus } from '../client.ts';
import { ProviderError } from '../errors.ts';
import {
  clientToken,
  clusterMarker,
  flotillaMarker,
  idsFromLabels,
  machineLabels,
  nodeMarker,
  serverName,
} from '../naming.ts';
import { type Ec2, label, sdkCode, toProviderError } from './ec2.ts';

const liveStates = ['pending', 'running', 'stopping', 'stopped'];

const statuses: Record<string, ServerStatus> = {
  pending: 'pending',
  running: 'running',
  stopping: 'off',
  stopped: 'off',
  'shutting-down': 'gone',
  terminated: 'gone',
};

function serverId(region: string, instanceId: string): string {
  return `${region}/${instanceId}`;
}

export function parseServerId(id: string): { region: string; instanceId: string } {
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

export function createInstances(ec2: Ec2, enabledRegions: () => Promise<string[]>) {
  async function describe(region: string, filters: Filter[]): Promise<Instance[]> {
    const instances: Instance[] = [];
    await ec2.send(async () => {
      for await (const page of paginateDescribeInstances(
        { client: ec2.client(region), pageSize: 1000 },
        { Filters: filters },
      )) {
        for (const reservation of page.Reservations ?? [])
          instances.push(...(reservation.Instances ?? []));
      }
    });
    return instances;
  }

  async function get(id: string): Promise<Server> {
    const { region, instanceId } = parseServerId(id);
    try {
      const result = await ec2
        .client(region)
        .send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      const instance = result.Reservations?.[0]?.Instances?.[0];
      if (instance) return toServer(region, instance);
    } catch (error) {
      if (sdkCode(error) !== 'InvalidInstanceID.NotFound') throw toProviderError(error);
    }
    return goneServer(id);
  }

  /** Live instances carrying Flotilla's tag (and the cluster's or node's), all pages. */
  async function find(filter: { clusterId?: string; nodeId?: string; region?: string } = {}) {
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

  /** One RunInstances; the ClientToken makes a repeated launch return the first instance. */
  async function launch(
    input: CreateServerInput,
    groupId: string,
    imageId: string,
  ): Promise<Server> {
    const region = input.region;
    const tags = {
      Name: input.name ?? serverName(input.nodeId),
      ...machineLabels(input.clusterId, input.nodeId),
    };
    const result = await ec2.send(() =>
      ec2.client(region).send(
        new RunInstancesCommand({
          ClientToken: clientToken(input.nodeId),
          ImageId: imageId,
          InstanceType: machineType('aws', input.plan).type as _InstanceType,
          KeyName: input.sshKeyRef,
          MinCount: 1,
          MaxCount: 1,
          SecurityGroupIds: [groupId],
          UserData: input.userData ? Buffer.from(input.userData).toString('base64') : undefined,
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
  }

  /** Terminates the instance; one that AWS no longer knows counts as terminated. */
  async function terminate(id: string): Promise<void> {
    const { region, instanceId } = parseServerId(id);
    try {
      await ec2.client(region).send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    } catch (error) {
      if (sdkCode(error) !== 'InvalidInstanceID.NotFound') throw toProviderError(error);
    }
  }

  return { get, find, launch, terminate };
}
