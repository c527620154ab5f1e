import { z } from 'zod';
import { clusterRef } from './schema.ts';

export const kubeconfigInput = clusterRef;
export const kubeconfigOutput = z.object({ kubeconfig: z.string() });
