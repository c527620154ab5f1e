import { z } from 'zod';
import { organizationId } from '../../schemas/common.ts';
import { sshKey } from './schema.ts';

export const sshKeyListInput = z.object({ organizationId });
export const sshKeyListOutput = z.array(sshKey);
