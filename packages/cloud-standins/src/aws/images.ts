// DescribeImages: per region, the machine images an account can launch.
import { filters, list, wildcard } from './query.ts';
import { type AwsState, type Ec2Action, Ec2Error, hex, type Image } from './state.ts';

/** Canonical's account, which publishes the official Ubuntu images. */
export const canonicalOwnerId = '099720109477';

export function imagesFor(region: string): Image[] {
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

export function imageActions(state: AwsState): Record<string, Ec2Action> {
  return {
    async DescribeImages(params, region) {
      const owners = list(params, 'Owner');
      const ids = list(params, 'ImageId');
      const found = (state.imagesByRegion.get(region) ?? []).filter(
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
  };
}
