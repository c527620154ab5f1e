import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { catalog } from '../catalog.ts';
import { ProviderError } from '../errors.ts';
import { type Ec2, label } from './ec2.ts';

/** The newest Ubuntu 24.04 image Canonical publishes in a region, looked up once per region. */
export function createImageLookup(ec2: Ec2): (region: string) => Promise<string> {
  const images = new Map<string, string>();
  return async function imageId(region) {
    const cached = images.get(region);
    if (cached) return cached;
    const { Images = [] } = await ec2.send(() =>
      ec2.client(region).send(
        new DescribeImagesCommand({
          Owners: [catalog.aws.imageOwner ?? 'amazon'],
          Filters: [
            { Name: 'name', Values: [catalog.aws.image] },
            { Name: 'state', Values: ['available'] },
          ],
        }),
      ),
    );
    const newest = Images.filter((image) => image.ImageId).sort((a, b) =>
      (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''),
    )[0];
    if (!newest?.ImageId) {
      throw new ProviderError({
        provider: label,
        code: 'image_not_found',
        message: `no image named ${catalog.aws.image} from owner ${catalog.aws.imageOwner} in ${region}`,
        retryable: false,
      });
    }
    images.set(region, newest.ImageId);
    return newest.ImageId;
  };
}
