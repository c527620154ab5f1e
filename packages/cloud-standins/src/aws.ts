// Amazon EC2 through its query protocol (form-encoded POST, XML answers, SigV4-signed), the
// subset Flotilla uses: instances, key pairs, images, security groups, regions. Every request's
// signature is verified; its credential scope decides the region, and each region has its own
// instances, key pairs and security groups, as in AWS.
import { randomUUID } from 'node:crypto';
import { Faults } from './faults.ts';
import { fingerprintOf } from './fingerprint.ts';
import { hang, type StandinRequest, type StandinResponse, startHttpStandin } from './http.ts';
import {
  createMemoryBackend,
  type MachineBackend,
  MachineFleet,
  type StandinMachine,
  standinHandle,
} from './machines.ts';
import { verifySigV4 } from './sigv4.ts';
import { ec2Error, ec2Response } from './xml.ts';

export const awsTestCredentials = {
  accessKeyId: 'AKIASTANDIN000000001',
  secretAccessKey: 'standin-secret-access-key-0000000000000000',
};
export const awsReadOnlyCredentials = {
  accessKeyId: 'AKIASTANDINREADONLY1',
  secretAccessKey: 'standin-read-only-secret-key-00000000000000',
};

/** Canonical's account, which publishes the official Ubuntu images. */
export const canonicalOwnerId = '099720109477';

export interface AwsStandinOptions {
  backend?: MachineBackend;
  /** Access keys with full EC2 permissions; defaults to `awsTestCredentials`. */
  accessKeys?: { accessKeyId: string; secretAccessKey: string }[];
  /** Access keys whose policy allows only Describe* calls. */
  readOnlyAccessKeys?: { accessKeyId: string; secretAccessKey: string }[];
  /** Regions the account has not opted into (DescribeRegions says `not-opted-in`). */
  disabledRegions?: string[];
  /** AWS allows up to 1000 per DescribeInstances page; tests lower it to see NextToken. */
  maxResults?: number;
  bootDelayMs?: number;
}

const regions = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-central-1',
  'eu-north-1',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-northeast-1',
  'sa-east-1',
  'af-south-1',
];
const optInRegions = new Set(['af-south-1']);

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

const writeActions = new Set([
  'RunInstances',
  'TerminateInstances',
  'ImportKeyPair',
  'CreateSecurityGroup',
  'AuthorizeSecurityGroupIngress',
  'DeleteSecurityGroup',
]);

const stateCodes = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
} as const;
type InstanceState = keyof typeof stateCodes;

interface KeyPair {
  region: string;
  keyPairId: string;
  keyName: string;
  keyFingerprint: string;
  publicKey: string;
}
interface SecurityGroup {
  region: string;
  groupId: string;
  groupName: string;
  groupDescription: string;
  rules: {
    ipProtocol: string;
    fromPort: number;
    toPort: number;
    cidrIp?: string;
    groupId?: string;
  }[];
  tags: Record<string, string>;
}
interface Instance {
  region: string;
  instanceId: string;
  reservationId: string;
  clientToken: string;
  imageId: string;
  instanceType: string;
  keyName: string;
  groupIds: string[];
  launchTime: Date;
  /** Set once terminated: AWS keeps showing terminated instances for a while. */
  terminated?: StandinMachine;
}

class Ec2Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const hex = (length: number) => randomUUID().replaceAll('-', '').slice(0, length);

function images(region: string) {
  // Two Ubuntu 24.04 builds (the newer wins) and a look-alike from another owner that must be ignored.
  return [
    {
      imageId: `ami-0${hex(16)}`,
      name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250115',
      creationDate: '2025-01-15T00:00:00.000Z',
      imageOwnerId: canonicalOwnerId,
    },
    {
      imageId: `ami-0${hex(16)}`,
      name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250610',
      creationDate: '2025-06-10T00:00:00.000Z',
      imageOwnerId: canonicalOwnerId,
    },
    {
      imageId: `ami-0${hex(16)}`,
      name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20991231',
      creationDate: '2099-12-31T00:00:00.000Z',
      imageOwnerId: '123456789012',
    },
  ].map((image) => ({
    ...image,
    region,
    imageState: 'available',
    architecture: 'x86_64',
    imageType: 'machine',
    rootDeviceType: 'ebs',
    isPublic: true,
  }));
}

/** `Name.1`, `Name.2`, … → values. */
function list(params: URLSearchParams, prefix: string): string[] {
  const values: string[] = [];
  for (let i = 1; params.has(`${prefix}.${i}`); i++) values.push(params.get(`${prefix}.${i}`)!);
  return values;
}

function filters(params: URLSearchParams): { name: string; values: string[] }[] {
  const result = [];
  for (let i = 1; params.has(`Filter.${i}.Name`); i++) {
    result.push({
      name: params.get(`Filter.${i}.Name`)!,
      values: list(params, `Filter.${i}.Value`),
    });
  }
  return result;
}

const wildcard = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  ).test(value);

export async function startAwsStandin(options: AwsStandinOptions = {}) {
  const faults = new Faults();
  const fleet = new MachineFleet(
    options.backend ?? createMemoryBackend(),
    options.bootDelayMs ?? 20,
  );
  const full = options.accessKeys ?? [awsTestCredentials];
  const readOnly = options.readOnlyAccessKeys ?? [awsReadOnlyCredentials];
  const secrets = new Map(
    [...full, ...readOnly].map((key) => [key.accessKeyId, key.secretAccessKey]),
  );
  const writers = new Set(full.map((key) => key.accessKeyId));
  const disabled = new Set(options.disabledRegions ?? []);
  const keyPairs: KeyPair[] = [];
  const groups: SecurityGroup[] = [];
  const instances = new Map<string, Instance>();
  const imagesByRegion = new Map(regions.map((region) => [region, images(region)]));

  function stateOf(instance: Instance): InstanceState {
    if (instance.terminated) return 'terminated';
    const machine = fleet.get(instance.instanceId);
    if (!machine) return 'terminated';
    return machine.state === 'running'
      ? 'running'
      : machine.state === 'off'
        ? 'stopped'
        : 'pending';
  }

  function machineOf(instance: Instance): StandinMachine {
    return instance.terminated ?? fleet.get(instance.instanceId)!;
  }

  function instanceXml(instance: Instance) {
    const machine = machineOf(instance);
    const state = stateOf(instance);
    const address = state === 'running' ? machine.address : undefined;
    return {
      instanceId: instance.instanceId,
      imageId: instance.imageId,
      instanceState: { code: stateCodes[state], name: state },
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
        groupName: groups.find((group) => group.groupId === groupId)?.groupName,
      })),
      architecture: 'x86_64',
      rootDeviceType: 'ebs',
      clientToken: instance.clientToken,
      tagSet: Object.entries(machine.labels).map(([key, value]) => ({ key, value })),
    };
  }

  function matches(instance: Instance, filter: { name: string; values: string[] }): boolean {
    const labels = machineOf(instance).labels;
    if (filter.name.startsWith('tag:')) {
      const value = labels[filter.name.slice(4)];
      return value !== undefined && filter.values.some((pattern) => wildcard(pattern, value));
    }
    if (filter.name === 'tag-key') return filter.values.some((key) => key in labels);
    if (filter.name === 'instance-state-name') return filter.values.includes(stateOf(instance));
    if (filter.name === 'instance-id') return filter.values.includes(instance.instanceId);
    if (filter.name === 'client-token') return filter.values.includes(instance.clientToken);
    throw new Ec2Error(400, 'InvalidParameterValue', `The filter '${filter.name}' is invalid`);
  }

  function requireGroup(region: string, groupId: string) {
    const group = groups.find((g) => g.region === region && g.groupId === groupId);
    if (!group)
      throw new Ec2Error(
        400,
        'InvalidGroup.NotFound',
        `The security group '${groupId}' does not exist`,
      );
    return group;
  }

  function tagsFor(params: URLSearchParams, resourceType: string): Record<string, string> {
    const tags: Record<string, string> = {};
    for (let i = 1; params.has(`TagSpecification.${i}.ResourceType`); i++) {
      if (params.get(`TagSpecification.${i}.ResourceType`) !== resourceType) continue;
      for (let j = 1; params.has(`TagSpecification.${i}.Tag.${j}.Key`); j++) {
        tags[params.get(`TagSpecification.${i}.Tag.${j}.Key`)!] =
          params.get(`TagSpecification.${i}.Tag.${j}.Value`) ?? '';
      }
    }
    return tags;
  }

  const actions: Record<
    string,
    (params: URLSearchParams, region: string) => Promise<Record<string, unknown> | typeof hang>
  > = {
    async DescribeRegions(params) {
      const all = params.get('AllRegions') === 'true';
      const names = list(params, 'RegionName');
      const shown = regions.filter(
        (region) =>
          (all || !disabled.has(region)) && (names.length === 0 || names.includes(region)),
      );
      return {
        regionInfo: shown.map((regionName) => ({
          regionName,
          regionEndpoint: `ec2.${regionName}.amazonaws.com`,
          optInStatus: disabled.has(regionName)
            ? 'not-opted-in'
            : optInRegions.has(regionName)
              ? 'opted-in'
              : 'opt-in-not-required',
        })),
      };
    },

    async DescribeImages(params, region) {
      const owners = list(params, 'Owner');
      const ids = list(params, 'ImageId');
      const found = (imagesByRegion.get(region) ?? []).filter(
        (image) =>
          (owners.length === 0 || owners.includes(image.imageOwnerId)) &&
          (ids.length === 0 || ids.includes(image.imageId)) &&
          filters(params).every((filter) => {
            if (filter.name === 'name')
              return filter.values.some((pattern) => wildcard(pattern, image.name));
            if (filter.name === 'state') return filter.values.includes(image.imageState);
            if (filter.name === 'architecture') return filter.values.includes(image.architecture);
            throw new Ec2Error(
              400,
              'InvalidParameterValue',
              `The filter '${filter.name}' is invalid`,
            );
          }),
      );
      return { imagesSet: found.map(({ region: _region, ...image }) => image) };
    },

    async ImportKeyPair(params, region) {
      const keyName = params.get('KeyName') ?? '';
      const material = Buffer.from(params.get('PublicKeyMaterial') ?? '', 'base64').toString(
        'utf8',
      );
      if (!keyName)
        throw new Ec2Error(
          400,
          'MissingParameter',
          'The request must contain the parameter KeyName',
        );
      const keyFingerprint = fingerprintOf(material);
      if (!keyFingerprint)
        throw new Ec2Error(
          400,
          'InvalidKey.Format',
          'Key is not in valid OpenSSH public key format',
        );
      if (keyPairs.some((k) => k.region === region && k.keyName === keyName)) {
        throw new Ec2Error(400, 'InvalidKeyPair.Duplicate', `The keypair already exists`);
      }
      const pair = {
        region,
        keyPairId: `key-${hex(17)}`,
        keyName,
        keyFingerprint,
        publicKey: material.trim(),
      };
      keyPairs.push(pair);
      return { keyFingerprint, keyName, keyPairId: pair.keyPairId };
    },

    async DescribeKeyPairs(params, region) {
      const names = list(params, 'KeyName');
      const inRegion = keyPairs.filter((k) => k.region === region);
      for (const name of names) {
        if (!inRegion.some((k) => k.keyName === name)) {
          throw new Ec2Error(
            400,
            'InvalidKeyPair.NotFound',
            `The key pair '${name}' does not exist`,
          );
        }
      }
      const found = inRegion.filter(
        (k) =>
          (names.length === 0 || names.includes(k.keyName)) &&
          filters(params).every(
            (filter) =>
              filter.name === 'key-name' && filter.values.some((p) => wildcard(p, k.keyName)),
          ),
      );
      return {
        keySet: found.map((k) => ({
          keyPairId: k.keyPairId,
          keyName: k.keyName,
          keyFingerprint: k.keyFingerprint,
          keyType: 'ed25519',
        })),
      };
    },

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
      for (const id of ids) requireGroup(region, id);
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
          tagSet: Object.entries(g.tags).map(([key, value]) => ({ key, value })),
        })),
      };
    },

    async AuthorizeSecurityGroupIngress(params, region) {
      const group = requireGroup(region, params.get('GroupId') ?? '');
      const added: SecurityGroup['rules'] = [];
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
          requireGroup(region, source);
          added.push({ ...base, groupId: source });
        }
      }
      const same = (a: SecurityGroup['rules'][number], b: SecurityGroup['rules'][number]) =>
        a.ipProtocol === b.ipProtocol &&
        a.fromPort === b.fromPort &&
        a.toPort === b.toPort &&
        a.cidrIp === b.cidrIp &&
        a.groupId === b.groupId;
      const duplicate = added.find((rule) => group.rules.some((existing) => same(existing, rule)));
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
      const group = requireGroup(region, params.get('GroupId') ?? '');
      const inUse = [...instances.values()].some(
        (instance) =>
          instance.region === region &&
          stateOf(instance) !== 'terminated' &&
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
      if (!(imagesByRegion.get(region) ?? []).some((image) => image.imageId === imageId)) {
        throw new Ec2Error(
          400,
          'InvalidAMIID.NotFound',
          `The image id '[${imageId}]' does not exist`,
        );
      }
      const pair = keyPairs.find((k) => k.region === region && k.keyName === keyName);
      if (keyName && !pair)
        throw new Ec2Error(
          400,
          'InvalidKeyPair.NotFound',
          `The key pair '${keyName}' does not exist`,
        );
      for (const id of groupIds) requireGroup(region, id);
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
      const pageSize = Math.min(maxResults ?? 1000, options.maxResults ?? 1000);
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
        const previous = stateOf(instance);
        if (!instance.terminated) {
          instance.terminated = { ...machineOf(instance), state: 'deleted' };
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

  function reservation(instance: Instance) {
    return {
      reservationId: instance.reservationId,
      ownerId: '000000000000',
      groupSet: [],
      instancesSet: [instanceXml(instance)],
    };
  }

  async function handle(request: StandinRequest): Promise<StandinResponse | typeof hang> {
    const requestId = randomUUID();
    const fail = (status: number, code: string, message: string): StandinResponse => ({
      status,
      body: ec2Error(code, message, requestId),
    });
    const signature = verifySigV4(request, (id) => secrets.get(id));
    if (!signature.ok) {
      return signature.reason === 'missing'
        ? fail(401, 'AuthFailure', 'Authorization header is missing or not AWS4-HMAC-SHA256')
        : fail(401, 'AuthFailure', 'AWS was not able to validate the provided access credentials');
    }
    if (!regions.includes(signature.region) || signature.service !== 'ec2') {
      return fail(
        401,
        'AuthFailure',
        `Credential should be scoped to a valid region and service ec2, not '${signature.region}/${signature.service}'`,
      );
    }
    if (disabled.has(signature.region)) {
      return fail(
        401,
        'AuthFailure',
        `AWS was not able to validate the provided access credentials (region ${signature.region} is not enabled for this account)`,
      );
    }
    const params = new URLSearchParams(request.rawBody);
    const action = params.get('Action') ?? '';
    const run = actions[action];
    if (request.method !== 'POST' || !run)
      return fail(400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
    if (writeActions.has(action) && !writers.has(signature.accessKeyId)) {
      return fail(
        403,
        'UnauthorizedOperation',
        `You are not authorized to perform this operation. User: arn:aws:iam::000000000000:user/read-only is not authorized to perform: ec2:${action}`,
      );
    }
    try {
      const result = await run(params, signature.region);
      if (result === hang) return hang;
      return { status: 200, body: ec2Response(action, requestId, result) };
    } catch (error) {
      if (error instanceof Ec2Error) return fail(error.status, error.code, error.message);
      throw error;
    }
  }

  const http = await startHttpStandin({
    faults,
    // EC2 throttles with 503 RequestLimitExceeded; the SDK backs off on that code.
    rateLimited: () => ({
      status: 503,
      body: ec2Error('RequestLimitExceeded', 'Request limit exceeded.', randomUUID()),
    }),
    serverError: () => ({
      status: 500,
      body: ec2Error('InternalError', 'An internal error has occurred', randomUUID()),
    }),
    handle,
  });

  return {
    ...standinHandle(http, faults, fleet),
    keyPairs: () => [...keyPairs],
    images: (region: string) => [...(imagesByRegion.get(region) ?? [])],
    securityGroups: () => groups.map((group) => ({ ...group, rules: [...group.rules] })),
  };
}

export type AwsStandin = Awaited<ReturnType<typeof startAwsStandin>>;
