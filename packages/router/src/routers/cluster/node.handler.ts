import type { Meta } from '../../trpc.ts';
import { clusterNodeInput, clusterNodeOutput } from './node.schema.ts';
import { nodeProcedure } from './nodeAccess.ts';
import { nodeOut } from './rows.ts';

export const meta = {
  summary: 'One node, by id (its cluster is found from it)',
  http: { method: 'GET' },
  input: clusterNodeInput,
  output: clusterNodeOutput,
} satisfies Meta;

export const procedure = nodeProcedure('view', clusterNodeInput)
  .meta(meta)
  .output(clusterNodeOutput)
  .query(({ ctx }) => nodeOut(ctx.node));
