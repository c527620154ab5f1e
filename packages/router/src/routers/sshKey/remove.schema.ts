import { z } from 'zod';
import { sshKeyId } from '../../schemas/common.ts';

export const sshKeyRemoveInput = z.object({ sshKeyId });
export const sshKeyRemoveOutput = z.void();
