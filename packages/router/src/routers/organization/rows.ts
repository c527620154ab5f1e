import type { OrgRole } from '@flotilla/db';

/** An organization as answered, with the caller's role in it. */
export const organizationOut = (
  org: { id: string; name: string; slug: string; defaultClusterId: string | null; createdAt: Date },
  role: OrgRole,
) => ({
  id: org.id,
  name: org.name,
  slug: org.slug,
  role,
  defaultClusterId: org.defaultClusterId,
  createdAt: org.createdAt.toISOString(),
});
