import { z } from 'zod';
import { registryRef } from './schema.ts';

export const registryRemoveInput = registryRef;
export const registryRemoveOutput = z.void();
