import { type Meta, organizationProcedure } from '../../trpc.ts';
import { organizationOneInput, organizationOneOutput } from './one.schema.ts';
import { organizationOut } from './rows.ts';

export const meta = {
  summary: 'One organization',
  http: { method: 'GET' },
  input: organizationOneInput,
  output: organizationOneOutput,
} satisfies Meta;

export const procedure = organizationProcedure('member', organizationOneInput)
  .meta(meta)
  .output(organizationOneOutput)
  .query(async ({ ctx, input }) => {
    const org = await ctx.db.organization.findUniqueOrThrow({
      where: { id: input.organizationId },
    });
    return organizationOut(org, ctx.organizationRole);
  });
