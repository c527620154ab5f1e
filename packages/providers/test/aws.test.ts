import { DescribeImagesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import {
  type AwsStandin,
  awsReadOnlyCredentials,
  awsTestCredentials,
  canonicalOwnerId,
  startAwsStandin,
} from '@flotilla/cloud-standins';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCloudClient } from '../src/index.ts';
import { cloudClientContract } from './contract.ts';
import { openSshPublicKey } from './keys.ts';

const region = 'eu-central-1';

cloudClientContract({
  provider: 'aws',
  name: 'AWS',
  region,
  startStandin: ({ maxPerPage }) => startAwsStandin({ maxResults: maxPerPage }),
  client: (standin, credentials, options) =>
    createCloudClient(
      'aws',
      {
        ...(credentials === 'valid'
          ? awsTestCredentials
          : credentials === 'read-only'
            ? awsReadOnlyCredentials
            : {
                accessKeyId: 'AKIANOTAREALKEY00000',
                secretAccessKey: 'not-a-real-secret-0000000',
              }),
        region,
      },
      { ...options, baseUrl: standin.url },
    ),
  createUntaggedMachine: async (standin) => {
    const ec2 = new EC2Client({ region, endpoint: standin.url, credentials: awsTestCredentials });
    const { Images = [] } = await ec2.send(
      new DescribeImagesCommand({ Owners: [canonicalOwnerId] }),
    );
    await ec2.send(
      new RunInstancesCommand({
        ImageId: Images[0]?.ImageId,
        MinCount: 1,
        MaxCount: 1,
        InstanceType: 't3.micro',
      }),
    );
    ec2.destroy();
  },
  readOnlyMessage: /You are not authorized to perform this operation/,
  badCredentialsMessage: /AWS was not able to validate the provided access credentials/,
  rateLimitStatus: 503,
  honoursResetHeaders: false,
});

describe('AWS client specifics', () => {
  let standin: AwsStandin;
  const client = () =>
    createCloudClient(
      'aws',
      { ...awsTestCredentials, region },
      {
        baseUrl: standin.url,
        retry: { baseDelayMs: 10, requestTimeoutMs: 1_000 },
        pollIntervalMs: 20,
      },
    );

  beforeEach(async () => {
    standin = await startAwsStandin({ disabledRegions: ['ap-south-1'] });
  });
  afterEach(async () => {
    await standin.close();
  });

  it("launches Canonical's newest Ubuntu image into the cluster's security group, which opens swarm ports only within the group", async () => {
    const aws = client();
    const keyName = await aws.ensureSshKey('flotilla-key', openSshPublicKey(), region);
    await aws.createServer({
      nodeId: 'node_a',
      clusterId: 'cluster_x',
      region,
      plan: 'small',
      sshKeyRef: keyName,
    });
    await aws.createServer({
      nodeId: 'node_b',
      clusterId: 'cluster_x',
      region,
      plan: 'small',
      sshKeyRef: keyName,
    });

    const groups = standin.securityGroups();
    expect(groups.map((group) => group.groupName)).toEqual(['flotilla-cluster_x']);
    const group = groups[0]!;
    const withinGroup = group.rules.filter((rule) => rule.groupId === group.groupId);
    expect(withinGroup.map((rule) => `${rule.fromPort}/${rule.ipProtocol}`).sort()).toEqual(
      ['10250/tcp', '2377/tcp', '4789/udp', '7946/tcp', '7946/udp', '8472/udp'].sort(),
    );
    const open = group.rules.filter((rule) => rule.cidrIp === '0.0.0.0/0');
    expect(open.map((rule) => rule.fromPort).sort()).toEqual([22, 6443]);

    const machines = standin.servers();
    expect(machines.map((machine) => machine.type)).toEqual(['t3.medium', 't3.medium']);
    // The look-alike image from another owner is newer; it must not be chosen.
    const chosen = standin.images(region).filter((image) => machines[0]?.image === image.imageId);
    expect(chosen.map((image) => [image.imageOwnerId, image.name])).toEqual([
      [canonicalOwnerId, 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250610'],
    ]);
    expect(machines[1]?.image).toBe(machines[0]?.image);
    expect(machines[0]?.labels).toMatchObject({
      Name: 'flt-node-a',
      flotilla: 'true',
      'flotilla-cluster': 'cluster_x',
    });
  });

  it('uses the ClientToken, so a RunInstances sent twice yields one instance', async () => {
    const aws = client();
    const keyName = await aws.ensureSshKey('flotilla-key', openSshPublicKey(), region);
    const first = await aws.createServer({
      nodeId: 'node_t',
      clusterId: 'c',
      region,
      plan: 'nano',
      sshKeyRef: keyName,
    });
    // A second process that does not see the first instance (e.g. eventual consistency) still gets it.
    const ec2 = new EC2Client({ region, endpoint: standin.url, credentials: awsTestCredentials });
    const again = await ec2.send(
      new RunInstancesCommand({
        ClientToken: 'flotilla-node_t',
        ImageId: standin.servers()[0]?.image,
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1,
      }),
    );
    ec2.destroy();
    expect(`${region}/${again.Instances?.[0]?.InstanceId}`).toBe(first.id);
    expect(standin.servers()).toHaveLength(1);
  });

  it('says when the default region is not enabled for the account', async () => {
    const check = await createCloudClient(
      'aws',
      { ...awsTestCredentials, region: 'ap-south-1' },
      { baseUrl: standin.url },
    ).verifyCredentials();
    expect(check).toMatchObject({ ok: false, problem: 'wrong-region' });
    expect(check.message).toMatch(/ap-south-1 is not enabled/);
  });

  it('removes the cluster security group once its instances are gone', async () => {
    const aws = client();
    const keyName = await aws.ensureSshKey('flotilla-key', openSshPublicKey(), region);
    const server = await aws.createServer({
      nodeId: 'node_g',
      clusterId: 'cluster_g',
      region,
      plan: 'nano',
      sshKeyRef: keyName,
    });
    const blocked = await aws.removeClusterResources('cluster_g').catch((error: unknown) => error);
    expect(blocked).toMatchObject({ providerCode: 'DependencyViolation' });
    await aws.deleteServer(server.id);
    await aws.removeClusterResources('cluster_g');
    expect(standin.securityGroups()).toHaveLength(0);
  });
});
