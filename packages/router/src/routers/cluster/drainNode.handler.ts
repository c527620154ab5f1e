import type { Meta } from '../../trpc.ts';
import { requestAvailability } from './availability.ts';
import { drainNodeInput, drainNodeOutput } from './drainNode.schema.ts';
import { nodeProcedure } from './nodeAccess.ts';

export const meta = {
  summary:
    'Drain a node: the scheduler places no new work on it; what runs there keeps running (Swarm availability pause, Kubernetes cordon)',
  http: { method: 'POST' },
  input: drainNodeInput,
  output: drainNodeOutput,
} satisfies Meta;

export const procedure = nodeProcedure('manage', drainNodeInput)
  .meta(meta)
  .output(drainNodeOutput)
  .mutation(({ ctx, input }) => requestAvailability(ctx, input.nodeId, 'pause'));
