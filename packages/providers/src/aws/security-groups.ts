// Per cluster and region, one security group `flotilla-<clusterId>`: SSH and the Kubernetes API
// open to the world, the orchestrators' ports open within the group.
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  type IpPermission,
} from '@aws-sdk/client-ec2';
import { ProviderError } from '../errors.ts';
import { clusterMarker, flotillaMarker } from '../naming.ts';
import { type Ec2, label, sdkCode, toProviderError } from './ec2.ts';

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

const groupName = (clusterId: string) => `flotilla-${clusterId}`;

export function createClusterGroups(ec2: Ec2) {
  const groups = new Map<string, string>();

  const describe = (region: string, clusterId: string) =>
    ec2.send(() =>
      ec2.client(region).send(
        new DescribeSecurityGroupsCommand({
          Filters: [{ Name: 'group-name', Values: [groupName(clusterId)] }],
        }),
      ),
    );

  /** The cluster's security group in the region, created with its rules if missing. */
  async function ensure(region: string, clusterId: string): Promise<string> {
    const key = `${region}/${clusterId}`;
    const cached = groups.get(key);
    if (cached) return cached;
    const name = groupName(clusterId);
    let group = (await describe(region, clusterId)).SecurityGroups?.[0];
    if (!group) {
      try {
        await ec2.client(region).send(
          new CreateSecurityGroupCommand({
            GroupName: name,
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
      group = (await describe(region, clusterId)).SecurityGroups?.[0];
    }
    const groupId = group?.GroupId;
    if (!groupId) {
      throw new ProviderError({
        provider: label,
        message: `security group ${name} vanished`,
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
        await ec2.client(region).send(
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

  /** Deletes the cluster's group in each region (DependencyViolation while instances shut down). */
  async function remove(regions: string[], clusterId: string): Promise<void> {
    for (const region of regions) {
      const { SecurityGroups = [] } = await describe(region, clusterId);
      for (const group of SecurityGroups) {
        // DependencyViolation while instances are still shutting down: retryable, try later.
        await ec2.send(() =>
          ec2.client(region).send(new DeleteSecurityGroupCommand({ GroupId: group.GroupId })),
        );
      }
      groups.delete(`${region}/${clusterId}`);
    }
  }

  return { ensure, remove };
}
