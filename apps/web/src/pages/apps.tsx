import { appStatusSchema } from '@flotilla/router/schemas';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ClusterFilter, StatusFilter, useClusters } from '../components/filters.tsx';
import { Link } from '../components/link.tsx';
import { ListStates, ListTable } from '../components/list.tsx';
import { Pager } from '../components/pager.tsx';
import { Empty } from '../components/states.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useOrganization } from '../organization.tsx';
import { hrefFor } from '../route.ts';
import { useTRPC } from '../trpc.ts';
import { type App, settlingApp } from './app/types.ts';

// The create forms, the database page and the templates import it from here.
export { useClusters };

const pageSize = 20;

/**
 * The apps of the organization, or of one cluster: status, replicas asked for, where clients
 * reach them and when they were last deployed. Polls quickly while one is building, deploying
 * or being removed (the worker changes those), slowly otherwise.
 */
export function AppsTable({
  clusterId,
  status,
  showCluster,
}: {
  clusterId?: string;
  status?: App['status'];
  showCluster: boolean;
}) {
  const trpc = useTRPC();
  const { organization } = useOrganization();
  const [page, setPage] = useState(1);
  const clusters = useClusters();
  const apps = useQuery({
    ...trpc.app.all.queryOptions({
      organizationId: organization.id,
      page,
      limit: pageSize,
      sort: 'name',
      order: 'asc',
      ...(clusterId ? { clusterId } : {}),
      ...(status ? { status } : {}),
    }),
    placeholderData: keepPreviousData,
    refetchInterval: (query) =>
      query.state.data?.some((app: App) => settlingApp.has(app.status)) ? 2_000 : 5_000,
  });
  const clusterNames = new Map((clusters.data ?? []).map((c) => [c.id, c.name]));
  const rows = apps.data ?? [];
  const columns = [
    'Name',
    ...(showCluster ? ['Cluster'] : []),
    'Source',
    'Status',
    { label: 'Replicas', numeric: true },
    'Published port',
    'Last deploy',
  ];

  return (
    <>
      <ListStates query={apps} loading="Loading apps…" empty={rows.length === 0 && page === 1}>
        <Empty title={status ? 'No app has this status' : 'No apps yet'}>
          {!status && (
            <Link
              className="button button-primary"
              href={hrefFor({ page: 'createApp', clusterId })}
            >
              Create an app
            </Link>
          )}
        </Empty>
      </ListStates>
      {rows.length > 0 && (
        <ListTable
          caption={
            <>
              Apps{clusterId ? ` on ${clusterNames.get(clusterId) ?? 'this cluster'}` : ''} of{' '}
              {organization.name}, by name
            </>
          }
          columns={columns}
        >
          {rows.map((app) => (
            <tr key={app.id} data-app={app.name}>
              <td data-label="Name">
                <Link href={hrefFor({ page: 'app', appId: app.id, tab: 'overview' })}>
                  {app.name}
                </Link>
              </td>
              {showCluster && (
                <td data-label="Cluster">
                  <Link href={hrefFor({ page: 'cluster', clusterId: app.clusterId })}>
                    {clusterNames.get(app.clusterId) ?? app.clusterId}
                  </Link>
                </td>
              )}
              <td data-label="Source">
                <code>{sourceOf(app)}</code>
              </td>
              <td data-label="Status">
                <StatusBadge status={app.status} />
              </td>
              <td data-label="Replicas" className="numeric">
                {app.replicas}
              </td>
              <td data-label="Published port">{app.publishedPort ?? '—'}</td>
              <td data-label="Last deploy">
                {app.lastDeployAt ? (
                  <time dateTime={app.lastDeployAt}>
                    {new Date(app.lastDeployAt).toLocaleString()}
                  </time>
                ) : (
                  'never'
                )}
              </td>
            </tr>
          ))}
        </ListTable>
      )}
      <Pager
        label="Pages of apps"
        page={page}
        pageSize={pageSize}
        rowCount={rows.length}
        busy={apps.isFetching}
        onPage={setPage}
      />
    </>
  );
}

/** What the app runs: its image, its repository and branch, or an uploaded source. */
export function sourceOf(app: App): string {
  if (app.sourceType === 'image') return app.imageUrl ?? 'image';
  if (app.sourceType === 'git') return `${app.repoUrl ?? 'git'}#${app.repoBranch ?? 'main'}`;
  return 'uploaded source';
}

export function AppsPage({ clusterId }: { clusterId?: string }) {
  const [status, setStatus] = useState<App['status'] | ''>('');
  return (
    <>
      <div className="page-header">
        <h1>Apps</h1>
        <Link className="button button-primary" href={hrefFor({ page: 'createApp', clusterId })}>
          New app
        </Link>
      </div>
      <div className="toolbar">
        <ClusterFilter page="apps" clusterId={clusterId} />
        <StatusFilter
          id="apps-status"
          options={appStatusSchema.options}
          value={status}
          onChange={setStatus}
        />
      </div>
      <AppsTable
        key={`${clusterId ?? ''}:${status}`}
        clusterId={clusterId}
        status={status || undefined}
        showCluster={!clusterId}
      />
    </>
  );
}
