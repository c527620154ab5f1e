import { z } from 'zod';
import { isoDate, organizationId, sshKeyId, text } from './common.ts';

const keyName = text(1, 100);

export const sshKeyCreateInput = z.object({
  organizationId,
  name: keyName,
  privateKey: z
    .string()
    .max(16_384)
    .refine((value) => value.includes('PRIVATE KEY-----'), 'must be a PEM/OpenSSH private key'),
});

export const sshKeyGenerateInput = z.object({ organizationId, name: keyName });

export const sshKey = z.object({
  id: z.string(),
  name: z.string(),
  publicKey: z.string(),
  fingerprint: z.string(),
  createdAt: isoDate,
});

export const sshKeyListInput = z.object({ organizationId });
export const sshKeyListOutput = z.array(sshKey);
export const sshKeyRemoveInput = z.object({ sshKeyId });
