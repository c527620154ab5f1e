// Users name things the way they see them (`lab`, `lab-2`, `deploy`); the API wants ids. Ids
// contain an underscore (`cls_…`), which cluster names cannot, so either works everywhere.
import type { FlotillaClient } from '@flotilla/client';
import { notFound } from './errors.ts';
import type { App, ClusterDetail, ClusterNode, SshKey } from './types.ts';

export async function resolveCluster(
  api: FlotillaClient,
  organizationId: () => Promise<string>,
  ref: string,
): Promise<ClusterDetail> {
  if (ref.includes('_')) return api.cluster.one.query({ clusterId: ref });
  const matches = await api.cluster.all.query({
    organizationId: await organizationId(),
    search: ref,
    limit: 100,
  });
  const found = matches.find((cluster) => cluster.name === ref);
  if (!found) throw notFound(`no cluster named "${ref}" in this organization`);
  return api.cluster.one.query({ clusterId: found.id });
}

export function resolveNode(cluster: ClusterDetail, ref: string): ClusterNode {
  const found = cluster.nodes.find((node) => node.id === ref || node.name === ref);
  if (!found) {
    const names = cluster.nodes.map((node) => node.name).join(', ');
    throw notFound(
      `cluster ${cluster.name} has no node "${ref}"${names ? ` (it has ${names})` : ''}`,
    );
  }
  return found;
}

export async function resolveSshKey(
  api: FlotillaClient,
  organizationId: string,
  ref: string,
): Promise<SshKey> {
  const keys = await api.sshKey.list.query({ organizationId });
  const found = keys.find((key) => key.id === ref) ?? keys.find((key) => key.name === ref);
  if (!found) {
    throw notFound(
      `no SSH key "${ref}" in this organization (see \`flotilla ssh-keys ls\`, or \`ssh-keys add\`)`,
    );
  }
  return found;
}

/** An app by id (`app_…`), slug or name, in the organization. */
export async function resolveApp(
  api: FlotillaClient,
  organizationId: () => Promise<string>,
  ref: string,
): Promise<App> {
  if (/^app_[A-Za-z0-9]+$/.test(ref)) return api.app.one.query({ appId: ref });
  const org = await organizationId();
  const pick = (apps: App[]) =>
    apps.find((app) => app.slug === ref) ?? apps.find((app) => app.name === ref);
  // The API searches names; a slug that its name does not contain is found in the full list.
  const found = pick(await api.app.all.query({ organizationId: org, search: ref, limit: 100 }));
  if (found) return found;
  for (let page = 1; ; page++) {
    const apps = await api.app.all.query({ organizationId: org, page, limit: 100 });
    const match = pick(apps);
    if (match) return match;
    if (apps.length < 100) throw notFound(`no app named "${ref}" in this organization`);
  }
}

/** Every row of a paged list (100 a page), or the first `limit` of them. */
export async function collectPages<T>(
  fetchPage: (page: number, pageSize: number) => Promise<T[]>,
  limit?: number,
): Promise<T[]> {
  const found: T[] = [];
  const pageSize = 100;
  for (let page = 1; ; page++) {
    const rows = await fetchPage(page, pageSize);
    found.push(...rows);
    if (rows.length < pageSize || (limit && found.length >= limit)) break;
  }
  return limit ? found.slice(0, limit) : found;
}
