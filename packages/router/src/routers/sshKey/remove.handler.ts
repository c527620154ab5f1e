import { TRPCError } from '@trpc/server';
import { requireOrgAdmin } from '../../access.ts';
import { authedProcedure, type Meta } from '../../trpc.ts';
import { sshKeyRemoveInput, sshKeyRemoveOutput } from './remove.schema.ts';

export const meta = {
  summary: 'Delete an SSH key no cluster uses',
  http: { method: 'DELETE', status: 204 },
  input: sshKeyRemoveInput,
  output: sshKeyRemoveOutput,
} satisfies Meta;

export const procedure = authedProcedure
  .meta(meta)
  .input(sshKeyRemoveInput)
  .output(sshKeyRemoveOutput)
  .mutation(async ({ ctx, input }) => {
    Object.assign(ctx.audit, { targetType: 'sshKey', targetId: input.sshKeyId });
    const key = await ctx.db.sshKey.findUnique({
      where: { id: input.sshKeyId },
      select: { organizationId: true, _count: { select: { clusters: true } } },
    });
    if (!key) throw new TRPCError({ code: 'NOT_FOUND', message: 'SSH key not found' });
    // The organization is known only from the key's row: checked here, not by middleware.
    await requireOrgAdmin(ctx, key.organizationId);
    if (key._count.clusters > 0) {
      throw new TRPCError({
        code: 'CONFLICT',
        message: `The key is used by ${key._count.clusters} cluster(s); delete them first`,
      });
    }
    await ctx.db.sshKey.delete({ where: { id: input.sshKeyId } });
  });
