// DescribeRegions: the regions the stand-in serves, and which of them the account opted into.
import { list } from './query.ts';
import type { AwsState, Ec2Action } from './state.ts';

export const regions = [
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

export function regionActions(state: AwsState): Record<string, Ec2Action> {
  const disabled = state.disabledRegions;
  return {
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
  };
}
