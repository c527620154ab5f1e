// Security groups in the region's one (default) VPC: create, describe, authorize ingress, delete.
import { filters, list, tagSet, tagsFor } from './query.ts';
import {
  type AwsState,
  type Ec2Action,
  Ec2Error,
  hex,
  requireGroup,
  type SecurityGroupRule,
  stateOf,
} from './state.ts';

const sameRule = (a: SecurityGroupRule, b: SecurityGroupRule) =>
  a.ipProtocol === b.ipProtocol &&
  a.fromPort === b.fromPort &&
  a.toPort === b.toPort &&
  a.cidrIp === b.cidrIp &&
  a.groupId === b.groupId;

export function securityGroupActions(state: AwsState): Record<string, Ec2Action> {
  const { groups } = state;
  return {
    async CreateSecurityGroup(params, region) {
      const groupName = params.get('GroupName') ?? '';
      const groupDescription = params.get('GroupDescription') ?? '';
      if (!groupName || !groupDescription) {
        throw new Ec2Error(
          400,
          'MissingParameter',
          'The request must contain the parameters GroupName and GroupDescription',
        );
      }
      if (groups.some((g) => g.region === region && g.groupName === groupName)) {
        throw new Ec2Error(
          400,
          'InvalidGroup.Duplicate',
          `The security group '${groupName}' already exists for VPC 'vpc-standin'`,
        );
      }
      const group = {
        region,
        groupId: `sg-${hex(17)}`,
        groupName,
        groupDescription,
        rules: [],
        tags: tagsFor(params, 'security-group'),
      };
      groups.push(group);
      return { return: true, groupId: group.groupId };
    },

    async DescribeSecurityGroups(params, region) {
      const ids = list(params, 'GroupId');
      const found = groups.filter(
        (g) =>
          g.region === region &&
          (ids.length === 0 || ids.includes(g.groupId)) &&
          filters(params).every((filter) => {
            if (filter.name === 'group-name') return filter.values.includes(g.groupName);
            if (filter.name.startsWith('tag:'))
              return filter.values.includes(g.tags[filter.name.slice(4)] ?? '');
            throw new Ec2Error(
              400,
              'InvalidParameterValue',
              `The filter '${filter.name}' is invalid`,
            );
          }),
      );
      for (const id of ids) requireGroup(state, region, id);
      return {
        securityGroupInfo: found.map((g) => ({
          ownerId: '000000000000',
          groupId: g.groupId,
          groupName: g.groupName,
          groupDescription: g.groupDescription,
          vpcId: 'vpc-standin',
          ipPermissions: g.rules.map((rule) => ({
            ipProtocol: rule.ipProtocol,
            fromPort: rule.fromPort,
            toPort: rule.toPort,
            groups: rule.groupId ? [{ groupId: rule.groupId, userId: '000000000000' }] : [],
            ipRanges: rule.cidrIp ? [{ cidrIp: rule.cidrIp }] : [],
          })),
          tagSet: tagSet(g.tags),
        })),
      };
    },

    async AuthorizeSecurityGroupIngress(params, region) {
      const group = requireGroup(state, region, params.get('GroupId') ?? '');
      const added: SecurityGroupRule[] = [];
      for (let i = 1; params.has(`IpPermissions.${i}.IpProtocol`); i++) {
        const base = {
          ipProtocol: params.get(`IpPermissions.${i}.IpProtocol`)!,
          fromPort: Number(params.get(`IpPermissions.${i}.FromPort`)),
          toPort: Number(params.get(`IpPermissions.${i}.ToPort`)),
        };
        for (let j = 1; params.has(`IpPermissions.${i}.IpRanges.${j}.CidrIp`); j++) {
          added.push({ ...base, cidrIp: params.get(`IpPermissions.${i}.IpRanges.${j}.CidrIp`)! });
        }
        for (let j = 1; params.has(`IpPermissions.${i}.Groups.${j}.GroupId`); j++) {
          const source = params.get(`IpPermissions.${i}.Groups.${j}.GroupId`)!;
          requireGroup(state, region, source);
          added.push({ ...base, groupId: source });
        }
      }
      const duplicate = added.find((rule) =>
        group.rules.some((existing) => sameRule(existing, rule)),
      );
      if (duplicate) {
        throw new Ec2Error(
          400,
          'InvalidPermission.Duplicate',
          `the specified rule "peer: ${duplicate.cidrIp ?? duplicate.groupId}, ${duplicate.ipProtocol.toUpperCase()}, from port: ${duplicate.fromPort}, to port: ${duplicate.toPort}, ALLOW" already exists`,
        );
      }
      group.rules.push(...added);
      return { return: true };
    },

    async DeleteSecurityGroup(params, region) {
      const group = requireGroup(state, region, params.get('GroupId') ?? '');
      const inUse = [...state.instances.values()].some(
        (instance) =>
          instance.region === region &&
          stateOf(state, instance) !== 'terminated' &&
          instance.groupIds.includes(group.groupId),
      );
      if (inUse) {
        throw new Ec2Error(
          400,
          'DependencyViolation',
          `resource ${group.groupId} has a dependent object`,
        );
      }
      groups.splice(groups.indexOf(group), 1);
      return { return: true, groupId: group.groupId };
    },
  };
}
