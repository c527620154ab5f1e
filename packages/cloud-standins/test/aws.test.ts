import {
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AwsStandin, awsTestCredentials, startAwsStandin } from '../src/index.ts';

describe('AWS EC2 stand-in', () => {
  let standin: AwsStandin;
  let ec2: EC2Client;

  beforeEach(async () => {
    standin = await startAwsStandin({ maxResults: 5 });
    ec2 = new EC2Client({
      region: 'us-east-1',
      endpoint: standin.url,
      credentials: awsTestCredentials,
    });
  });
  afterEach(async () => {
    ec2.destroy();
    await standin.close();
  });

  const form = (body: Record<string, string>) =>
    fetch(standin.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ Version: '2016-11-15', ...body }),
    });

  it('rejects an unsigned request with 401 AuthFailure in the EC2 error document', async () => {
    const response = await form({ Action: 'DescribeInstances' });
    expect(response.status).toBe(401);
    const text = await response.text();
    expect(text).toMatch(
      /<Response><Errors><Error><Code>AuthFailure<\/Code><Message>.+<\/Message><\/Error><\/Errors><RequestID>[0-9a-f-]+<\/RequestID><\/Response>/,
    );
  });

  it('verifies the SigV4 signature, not just the access key id', async () => {
    const forged = new EC2Client({
      region: 'us-east-1',
      endpoint: standin.url,
      credentials: {
        accessKeyId: awsTestCredentials.accessKeyId,
        secretAccessKey: 'the-wrong-secret',
      },
      maxAttempts: 1,
    });
    const error = await forged
      .send(new DescribeInstancesCommand({}))
      .catch((caught: unknown) => caught);
    forged.destroy();
    expect(error).toMatchObject({ name: 'AuthFailure', $metadata: { httpStatusCode: 401 } });
  });

  it('keeps instances per region, taken from the signature scope', async () => {
    const image = standin.images('us-east-1')[0]!.imageId;
    await ec2.send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1 }));
    const elsewhere = new EC2Client({
      region: 'eu-west-1',
      endpoint: standin.url,
      credentials: awsTestCredentials,
    });
    const { Reservations = [] } = await elsewhere.send(new DescribeInstancesCommand({}));
    elsewhere.destroy();
    expect(Reservations).toHaveLength(0);
    const wrongImage = await ec2
      .send(new RunInstancesCommand({ ImageId: 'ami-0000000000000000', MinCount: 1, MaxCount: 1 }))
      .catch((caught: unknown) => caught);
    expect(wrongImage).toMatchObject({ name: 'InvalidAMIID.NotFound' });
  });

  it('answers DryRun with 412 DryRunOperation and creates nothing', async () => {
    const image = standin.images('us-east-1')[0]!.imageId;
    const error = await ec2
      .send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, DryRun: true }))
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'DryRunOperation', $metadata: { httpStatusCode: 412 } });
    expect(standin.servers()).toHaveLength(0);
  });

  it('pages DescribeInstances with NextToken and keeps terminated instances visible as terminated', async () => {
    const image = standin.images('us-east-1')[0]!.imageId;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const { Instances = [] } = await ec2.send(
        new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1 }),
      );
      ids.push(Instances[0]!.InstanceId!);
    }
    const first = await ec2.send(new DescribeInstancesCommand({ MaxResults: 1000 }));
    expect(first.Reservations).toHaveLength(5);
    expect(first.NextToken).toBeTruthy();
    const second = await ec2.send(
      new DescribeInstancesCommand({ MaxResults: 1000, NextToken: first.NextToken }),
    );
    expect(second.Reservations).toHaveLength(2);
    expect(second.NextToken).toBeUndefined();

    const terminated = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [ids[0]!] }));
    expect(terminated.TerminatingInstances?.[0]?.CurrentState?.Name).toBe('shutting-down');
    const after = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [ids[0]!] }));
    expect(after.Reservations?.[0]?.Instances?.[0]?.State).toEqual({
      Code: 48,
      Name: 'terminated',
    });
  });

  it('throttles with 503 RequestLimitExceeded when a burst is planned over HTTP', async () => {
    await fetch(`${standin.url}/_standin/faults`, {
      method: 'POST',
      body: JSON.stringify({ rateLimit: 1 }),
    });
    const response = await form({ Action: 'DescribeInstances' });
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('<Code>RequestLimitExceeded</Code>');
  });

  it('throttles an action category beyond its configured bucket, per region', async () => {
    const throttled = await startAwsStandin({
      throttling: { 'describe-unfiltered': [{ limit: 2, windowSeconds: 10 }] },
    });
    const client = (region: string) =>
      new EC2Client({
        region,
        endpoint: throttled.url,
        credentials: awsTestCredentials,
        maxAttempts: 1,
      });
    const east = client('us-east-1');
    const west = client('us-west-2');
    try {
      await east.send(new DescribeInstancesCommand({}));
      await east.send(new DescribeInstancesCommand({}));
      const error = await east.send(new DescribeInstancesCommand({})).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'RequestLimitExceeded' });
      // Filtered requests draw from another bucket, and other regions have their own.
      await east.send(
        new DescribeInstancesCommand({ Filters: [{ Name: 'tag-key', Values: ['flotilla'] }] }),
      );
      await west.send(new DescribeInstancesCommand({}));
      expect(throttled.requests().filter((request) => request.status === 503)).toHaveLength(1);
    } finally {
      east.destroy();
      west.destroy();
      await throttled.close();
    }
  });
});
