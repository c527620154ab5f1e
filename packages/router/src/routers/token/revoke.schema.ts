import { z } from 'zod';
import { tokenId } from '../../schemas/common.ts';

export const tokenRevokeInput = z.object({ tokenId });
export const tokenRevokeOutput = z.void();
