import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { regionCodes } from '../catalog.ts';
import type { Ec2 } from './ec2.ts';

/** Regions to search: the catalog's regions this account has enabled. */
export async function enabledRegions(ec2: Ec2, homeRegion: string): Promise<string[]> {
  const { Regions = [] } = await ec2.send(() =>
    ec2.client(homeRegion).send(new DescribeRegionsCommand({})),
  );
  const enabled = new Set(Regions.map((region) => region.RegionName));
  return regionCodes('aws').filter((region) => enabled.has(region));
}
