import type { Meta } from '../../trpc.ts';
import { requestAvailability } from './availability.ts';
import { evacuateNodeInput, evacuateNodeOutput } from './evacuateNode.schema.ts';
import { nodeProcedure } from './nodeAccess.ts';

export const meta = {
  summary:
    'Evacuate a node: its work moves to the other nodes (Swarm availability drain, Kubernetes drain)',
  http: { method: 'POST' },
  input: evacuateNodeInput,
  output: evacuateNodeOutput,
} satisfies Meta;

export const procedure = nodeProcedure('manage', evacuateNodeInput)
  .meta(meta)
  .output(evacuateNodeOutput)
  .mutation(({ ctx, input }) => requestAvailability(ctx, input.nodeId, 'drain'));
