// RunInstances (ClientToken idempotency, DryRun), DescribeInstances (filters, pages) and
// TerminateInstances. An instance's machine lives in the fleet; terminated instances stay
// visible, as in AWS.
import { hang } from '../http.ts';
import { filters, list, tagSet, tagsFor, wildcard } from './query.ts';
import {
  type AwsState,
  type Ec2Action,
  Ec2Error,
  hex,
  type Instance,
  machineOf,
  requireGroup,
  stateCodes,
  stateOf,
} from './state.ts';

// Instance types the stand-in launches (a subset of EC2's).
const instanceTypes = new Set([
  't3.nano',
  't3.micro',
  't3.small',
  't3.medium',
  't3.large',
  't3.xlarge',
  't3.2xlarge',
  'm1.small',
  'm5.large',
  'c5.large',
]);

export function instanceActions(state: AwsState): Record<string, Ec2Action> {
  const { instances, fleet, faults } = state;

  function instanceXml(instance: Instance) {
    const machine = machineOf(state, instance);
    const current = stateOf(state, instance);
    const address = current === 'running' ? machine.address : undefined;
    return {
      instanceId: instance.instanceId,
      imageId: instance.imageId,
      instanceState: { code: stateCodes[current], name: current },
      privateDnsName: `ip-10-0-0-1.${instance.region}.compute.internal`,
      dnsName: address
        ? `ec2-${address.replaceAll('.', '-')}.${instance.region}.compute.amazonaws.com`
        : '',
      keyName: instance.keyName,
      amiLaunchIndex: 0,
      instanceType: instance.instanceType,
      launchTime: instance.launchTime.toISOString(),
      placement: { availabilityZone: `${instance.region}a`, tenancy: 'default' },
      monitoring: { state: 'disabled' },
      ipAddress: address,
      groupSet: instance.groupIds.map((groupId) => ({
        groupId,
        groupName: state.groups.find((group) => group.groupId === groupId)?.groupName,
      })),
      architecture: 'x86_64',
      rootDeviceType: 'ebs',
      clientToken: instance.clientToken,
      tagSet: tagSet(machine.labels),
    };
  }

  function reservation(instance: Instance) {
    return {
      reservationId: instance.reservationId,
      ownerId: '000000000000',
      groupSet: [],
      instancesSet: [instanceXml(instance)],
    };
  }

  function matches(instance: Instance, filter: { name: string; values: string[] }): boolean {
    const labels = machineOf(state, instance).labels;
    if (filter.name.startsWith('tag:')) {
      const value = labels[filter.name.slice(4)];
      return value !== undefined && filter.values.some((pattern) => wildcard(pattern, value));
    }
    if (filter.name === 'tag-key') return filter.values.some((key) => key in labels);
    if (filter.name === 'instance-state-name')
      return filter.values.includes(stateOf(state, instance));
    if (filter.name === 'instance-id') return filter.values.includes(instance.instanceId);
    if (filter.name === 'client-token') return filter.values.includes(instance.clientToken);
    throw new Ec2Error(400, 'InvalidParameterValue', `The filter '${filter.name}' is invalid`);
  }

  return {
    async RunInstances(params, region) {
      const imageId = params.get('ImageId') ?? '';
      const instanceType = params.get('InstanceType') ?? 'm1.small';
      if (!instanceTypes.has(instanceType)) {
        throw new Ec2Error(
          400,
          'InvalidParameterValue',
          `Invalid value '${instanceType}' for InstanceType.`,
        );
      }
      const keyName = params.get('KeyName') ?? '';
      const clientToken = params.get('ClientToken') ?? '';
      const groupIds = list(params, 'SecurityGroupId');
      if (params.get('MinCount') !== '1' || params.get('MaxCount') !== '1') {
        throw new Ec2Error(
          400,
          'InvalidParameterValue',
          'The stand-in launches exactly one instance per request',
        );
      }
      if (!(state.imagesByRegion.get(region) ?? []).some((image) => image.imageId === imageId)) {
        throw new Ec2Error(
          400,
          'InvalidAMIID.NotFound',
          `The image id '[${imageId}]' does not exist`,
        );
      }
      const pair = state.keyPairs.find((k) => k.region === region && k.keyName === keyName);
      if (keyName && !pair)
        throw new Ec2Error(
          400,
          'InvalidKeyPair.NotFound',
          `The key pair '${keyName}' does not exist`,
        );
      for (const id of groupIds) requireGroup(state, region, id);
      if (params.get('DryRun') === 'true') {
        throw new Ec2Error(
          412,
          'DryRunOperation',
          'Request would have succeeded, but DryRun flag is set.',
        );
      }
      if (clientToken.length > 64)
        throw new Ec2Error(
          400,
          'InvalidParameterValue',
          'ClientToken is longer than 64 characters',
        );

      // The same ClientToken returns the instance launched the first time, as AWS does.
      const earlier = clientToken
        ? [...instances.values()].find((i) => i.region === region && i.clientToken === clientToken)
        : undefined;
      if (earlier) {
        if (earlier.imageId !== imageId || earlier.instanceType !== instanceType) {
          throw new Ec2Error(
            400,
            'IdempotentParameterMismatch',
            'The client token you have provided is associated with a resource that is already deleted or has different parameters',
          );
        }
        return reservation(earlier);
      }
      const userData = params.get('UserData');
      const instanceId = `i-0${hex(16)}`;
      const tags = tagsFor(params, 'instance');
      const instance: Instance = {
        region,
        instanceId,
        reservationId: `r-0${hex(16)}`,
        clientToken,
        imageId,
        instanceType,
        keyName,
        groupIds,
        launchTime: new Date(),
      };
      fleet.add(
        {
          id: instanceId,
          name: tags.Name ?? instanceId,
          region,
          type: instanceType,
          image: imageId,
          labels: tags,
          publicKeys: pair ? [pair.publicKey] : [],
          userData: userData ? Buffer.from(userData, 'base64').toString('utf8') : undefined,
        },
        faults.take('neverReady'),
      );
      instances.set(instanceId, instance);
      if (faults.take('hangAfterCreate')) return hang;
      return reservation(instance);
    },

    async DescribeInstances(params, region) {
      const ids = list(params, 'InstanceId');
      const maxResults = params.has('MaxResults') ? Number(params.get('MaxResults')) : undefined;
      if (maxResults !== undefined && (ids.length > 0 || maxResults < 5 || maxResults > 1000)) {
        throw new Ec2Error(
          400,
          'InvalidParameterValue',
          'MaxResults must be between 5 and 1000 and cannot be combined with InstanceIds',
        );
      }
      const inRegion = [...instances.values()].filter((i) => i.region === region);
      for (const id of ids) {
        if (!inRegion.some((i) => i.instanceId === id)) {
          throw new Ec2Error(
            400,
            'InvalidInstanceID.NotFound',
            `The instance ID '${id}' does not exist`,
          );
        }
      }
      const found = inRegion.filter(
        (i) =>
          (ids.length === 0 || ids.includes(i.instanceId)) &&
          filters(params).every((f) => matches(i, f)),
      );
      const pageSize = Math.min(maxResults ?? 1000, state.maxResults);
      const start = Number(params.get('NextToken') ?? '0') || 0;
      const page = found.slice(start, start + pageSize);
      const next = start + pageSize < found.length ? String(start + pageSize) : undefined;
      return {
        reservationSet: page.map((i) => ({
          reservationId: i.reservationId,
          ownerId: '000000000000',
          groupSet: [],
          instancesSet: [instanceXml(i)],
        })),
        nextToken: next,
      };
    },

    async TerminateInstances(params, region) {
      const ids = list(params, 'InstanceId');
      const targets = ids.map((id) => {
        const instance = instances.get(id);
        if (!instance || instance.region !== region) {
          throw new Ec2Error(
            400,
            'InvalidInstanceID.NotFound',
            `The instance ID '${id}' does not exist`,
          );
        }
        return instance;
      });
      const changes = [];
      for (const instance of targets) {
        const previous = stateOf(state, instance);
        if (!instance.terminated) {
          instance.terminated = { ...machineOf(state, instance), state: 'deleted' };
          await fleet.remove(instance.instanceId);
        }
        changes.push({
          instanceId: instance.instanceId,
          currentState: {
            code: previous === 'terminated' ? 48 : 32,
            name: previous === 'terminated' ? 'terminated' : 'shutting-down',
          },
          previousState: { code: stateCodes[previous], name: previous },
        });
      }
      return { instancesSet: changes };
    },
  };
}
