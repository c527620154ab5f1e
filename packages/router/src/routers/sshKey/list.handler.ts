import { type Meta, organizationProcedure } from '../../trpc.ts';
import { sshKeyListInput, sshKeyListOutput } from './list.schema.ts';
import { keyOut } from './rows.ts';

export const meta = {
  summary: "The organization's SSH keys (public halves only)",
  http: { method: 'GET' },
  input: sshKeyListInput,
  output: sshKeyListOutput,
} satisfies Meta;

export const procedure = organizationProcedure('member', sshKeyListInput)
  .meta(meta)
  .output(sshKeyListOutput)
  .query(async ({ ctx, input }) => {
    const rows = await ctx.db.sshKey.findMany({
      where: { organizationId: input.organizationId },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
    return rows.map(keyOut);
  });
