import { z } from 'zod';
import { organizationId } from '../../schemas/common.ts';
import { keyName, sshKey } from './schema.ts';

export const sshKeyGenerateInput = z.object({ organizationId, name: keyName });
export const sshKeyGenerateOutput = sshKey;
