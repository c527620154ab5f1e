import { quotasOf } from '../../quota.ts';
import { type Meta, organizationProcedure } from '../../trpc.ts';
import { quotaGetInput, quotaGetOutput } from './get.schema.ts';

export const meta = {
  summary: "The organization's quotas: each kind's limit and how many it has",
  http: { method: 'GET' },
  input: quotaGetInput,
  output: quotaGetOutput,
} satisfies Meta;

export const procedure = organizationProcedure('admin', quotaGetInput)
  .meta(meta)
  .output(quotaGetOutput)
  .query(async ({ ctx, input }) => ({
    organizationId: input.organizationId,
    quotas: await quotasOf(ctx.db, ctx.quotaDefaults, input.organizationId),
  }));
