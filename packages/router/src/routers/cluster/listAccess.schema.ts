import { z } from 'zod';
import { clusterRef, grant } from './schema.ts';

export const listAccessInput = clusterRef;
export const listAccessOutput = z.array(grant);
