import { type CloudProvider, catalog, regionCodes } from './catalog.ts';
import { ProviderError } from './errors.ts';

/** Unknown regions are refused with the valid list, before anything is sent. */
export function assertRegion(provider: CloudProvider, region: string): void {
  const valid = regionCodes(provider);
  if (!valid.includes(region)) {
    throw new ProviderError({
      provider: catalog[provider].label,
      code: 'unknown_region',
      message: `${catalog[provider].label} has no region "${region}"; valid regions: ${valid.join(', ')}`,
      retryable: false,
    });
  }
}
