import { clusterProcedure, type Meta } from '../../trpc.ts';
import { clusterOneInput, clusterOneOutput } from './one.schema.ts';
import { clusterDetailOf } from './rows.ts';

export const meta = {
  summary: 'A cluster with its nodes',
  http: { method: 'GET' },
  input: clusterOneInput,
  output: clusterOneOutput,
} satisfies Meta;

export const procedure = clusterProcedure('view', clusterOneInput)
  .meta(meta)
  .output(clusterOneOutput)
  .query(({ ctx }) => clusterDetailOf(ctx.db, ctx.cluster.id));
