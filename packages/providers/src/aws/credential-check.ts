// verifyCredentials for AWS: the key (DescribeRegions in us-east-1), the region (opted in?) and
// the right to launch (RunInstances with DryRun), each failure said in words.
import {
  type _InstanceType,
  DescribeRegionsCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { machineType } from '../catalog.ts';
import type { CredentialCheck } from '../client.ts';
import type { AwsCredentials } from '../credentials.ts';
import { type Ec2, label, toProviderError } from './ec2.ts';

export async function verifyAwsCredentials(
  ec2: Ec2,
  credentials: AwsCredentials,
  imageId: (region: string) => Promise<string>,
): Promise<CredentialCheck> {
  // Messages name the key the way the dashboard shows it, never in full.
  const keyHint = `…${credentials.accessKeyId.slice(-4)}`;
  let regionStatus: string | undefined;
  try {
    // us-east-1 is enabled for every account, so a failure here is the key, not the region.
    const { Regions = [] } = await ec2
      .client('us-east-1')
      .send(new DescribeRegionsCommand({ AllRegions: true, RegionNames: [credentials.region] }));
    regionStatus = Regions[0]?.OptInStatus;
  } catch (error) {
    const failure = toProviderError(error);
    if (failure.providerCode === 'AuthFailure' || failure.status === 401) {
      return {
        ok: false,
        problem: 'bad-token',
        message: `AWS rejected the access key ${keyHint}: ${failure.message}`,
      };
    }
    if (failure.status === undefined)
      return { ok: false, problem: 'unreachable', message: failure.message };
    if (failure.providerCode !== 'UnauthorizedOperation') {
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
    await ec2.client(credentials.region).send(
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
    if (failure.providerCode === 'DryRunOperation') {
      return {
        ok: true,
        message: `AWS access key ${keyHint} can launch instances in ${credentials.region}`,
      };
    }
    if (failure.providerCode === 'UnauthorizedOperation') {
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
}
