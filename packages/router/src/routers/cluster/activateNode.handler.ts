import type { Meta } from '../../trpc.ts';
import { activateNodeInput, activateNodeOutput } from './activateNode.schema.ts';
import { requestAvailability } from './availability.ts';
import { nodeProcedure } from './nodeAccess.ts';

export const meta = {
  summary:
    'Activate a node: the scheduler places work on it again (Swarm availability active, Kubernetes uncordon)',
  http: { method: 'POST' },
  input: activateNodeInput,
  output: activateNodeOutput,
} satisfies Meta;

export const procedure = nodeProcedure('manage', activateNodeInput)
  .meta(meta)
  .output(activateNodeOutput)
  .mutation(({ ctx, input }) => requestAvailability(ctx, input.nodeId, 'active'));
