// Where a template's images come from when the caller names no `registry`: the instance's
// FLOTILLA_TEMPLATE_REGISTRY (the template catalog's own default), else the organization's
// default registry (registry.setDefault).
import type { AuthedContext } from '../../trpc.ts';
import { organizationOf } from '../app/placement.ts';

/** The organization's default registry's host, when the instance names none; else undefined. */
export async function organizationRegistry(
  ctx: AuthedContext,
  organizationId: string | undefined,
): Promise<string | undefined> {
  if (ctx.platform.templateRegistry) return undefined;
  let orgId: string;
  try {
    orgId = await organizationOf(ctx, organizationId);
  } catch {
    // Several organizations and none named: the form shows no default, the caller gives one.
    return undefined;
  }
  const organization = await ctx.db.organization.findFirst({
    where: { id: orgId, memberships: { some: { userId: ctx.principal.userId } } },
    select: { defaultRegistry: { select: { server: true } } },
  });
  return organization?.defaultRegistry?.server;
}
