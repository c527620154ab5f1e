import { z } from 'zod';
import { providerCredentialId } from './schema.ts';

export const providerRemoveCredentialsInput = z.object({ providerCredentialId });
export const providerRemoveCredentialsOutput = z.void();
