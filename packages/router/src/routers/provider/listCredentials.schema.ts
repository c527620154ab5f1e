import { z } from 'zod';
import { organizationId } from '../../schemas/common.ts';
import { cloudProvider, providerCredential } from './schema.ts';

export const providerListCredentialsInput = z.object({
  organizationId,
  provider: cloudProvider.optional(),
});
export const providerListCredentialsOutput = z.array(providerCredential);
