import { z } from 'zod';
import { organizationId } from '../../schemas/common.ts';
import { keyName, sshKey } from './schema.ts';

export const sshKeyCreateInput = z.object({
  organizationId,
  name: keyName,
  privateKey: z
    .string()
    .max(16_384)
    .refine((value) => value.includes('PRIVATE KEY-----'), 'must be a PEM/OpenSSH private key'),
});
export const sshKeyCreateOutput = sshKey;
