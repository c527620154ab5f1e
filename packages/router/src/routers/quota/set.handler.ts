import { TRPCError } from '@trpc/server';
import { quotasOf } from '../../quota.ts';
import { instanceAdminProcedure, type Meta } from '../../trpc.ts';
import { quotaSetInput, quotaSetOutput } from './set.schema.ts';

export const meta = {
  summary: "Set one of an organization's quotas (instance administrators); null: the default",
  http: { method: 'POST' },
  input: quotaSetInput,
  output: quotaSetOutput,
} satisfies Meta;

// A limit below what the organization has is allowed: nothing is removed, further creates of
// that kind are refused until it is back under.
export const procedure = instanceAdminProcedure
  .meta(meta)
  .input(quotaSetInput)
  .output(quotaSetOutput)
  .mutation(async ({ ctx, input }) => {
    const { organizationId, kind, limit } = input;
    Object.assign(ctx.audit, { organizationId, targetType: 'quota', targetId: kind });
    const organization = await ctx.db.organization.findUnique({
      where: { id: organizationId },
      select: { id: true },
    });
    if (!organization)
      throw new TRPCError({ code: 'NOT_FOUND', message: 'Organization not found' });
    if (limit === null) {
      await ctx.db.organizationQuota.deleteMany({ where: { organizationId, kind } });
    } else {
      await ctx.db.organizationQuota.upsert({
        where: { organizationId_kind: { organizationId, kind } },
        create: { organizationId, kind, limit, setById: ctx.principal.userId },
        update: { limit, setById: ctx.principal.userId },
      });
    }
    const quotas = await quotasOf(ctx.db, ctx.quotaDefaults, organizationId);
    return quotas.find((quota) => quota.kind === kind) as (typeof quotas)[number];
  });
