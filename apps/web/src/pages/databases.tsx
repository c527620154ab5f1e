// The organization's managed databases: engine, status as the readiness probe last said, the
// node each is pinned to and the app it is bound to.
import { databaseStatusSchema } from '@flotilla/router/schemas';
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
import { type Database, settlingDatabase } from './database/types.ts';

const pageSize = 20;

export function DatabasesTable({
  clusterId,
  status,
  showCluster,
}: {
  clusterId?: string;
  status?: Database['status'];
  showCluster: boolean;
}) {
  const trpc = useTRPC();
  const { organization } = useOrganization();
  const [page, setPage] = useState(1);
  const clusters = useClusters();
  const databases = useQuery({
    ...trpc.database.all.queryOptions({
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
      query.state.data?.some((db: Database) => settlingDatabase.has(db.status)) ? 2_000 : 10_000,
  });
  const clusterNames = new Map((clusters.data ?? []).map((c) => [c.id, c.name]));
  const rows = databases.data ?? [];
  const columns = [
    'Name',
    ...(showCluster ? ['Cluster'] : []),
    'Engine',
    'Status',
    'Node',
    'Bound to',
    'Published port',
  ];

  return (
    <>
      <ListStates
        query={databases}
        loading="Loading databases…"
        empty={rows.length === 0 && page === 1}
      >
        <Empty title={status ? 'No database has this status' : 'No databases yet'}>
          {!status && (
            <Link
              className="button button-primary"
              href={hrefFor({ page: 'createDatabase', clusterId })}
            >
              Create a database
            </Link>
          )}
        </Empty>
      </ListStates>
      {rows.length > 0 && (
        <ListTable
          caption={<>Managed databases of {organization.name}, by name</>}
          columns={columns}
        >
          {rows.map((db) => (
            <tr key={db.id} data-database={db.name}>
              <td data-label="Name">
                <Link href={hrefFor({ page: 'database', databaseId: db.id })}>{db.name}</Link>
              </td>
              {showCluster && (
                <td data-label="Cluster">
                  <Link href={hrefFor({ page: 'cluster', clusterId: db.clusterId })}>
                    {clusterNames.get(db.clusterId) ?? db.clusterId}
                  </Link>
                </td>
              )}
              <td data-label="Engine">
                {db.engine} {db.version}
              </td>
              <td data-label="Status">
                <StatusBadge status={db.status} />
              </td>
              <td data-label="Node">{db.nodeName ?? '—'}</td>
              <td data-label="Bound to">
                {db.appId ? (
                  <Link href={hrefFor({ page: 'app', appId: db.appId, tab: 'overview' })}>
                    {db.appName ?? db.appId}
                  </Link>
                ) : (
                  '—'
                )}
              </td>
              <td data-label="Published port">{db.publishedPort ?? '—'}</td>
            </tr>
          ))}
        </ListTable>
      )}
      <Pager
        label="Pages of databases"
        page={page}
        pageSize={pageSize}
        rowCount={rows.length}
        busy={databases.isFetching}
        onPage={setPage}
      />
    </>
  );
}

export function DatabasesPage({ clusterId }: { clusterId?: string }) {
  const [status, setStatus] = useState<Database['status'] | ''>('');
  return (
    <>
      <div className="page-header">
        <h1>Databases</h1>
        <Link
          className="button button-primary"
          href={hrefFor({ page: 'createDatabase', clusterId })}
        >
          New database
        </Link>
      </div>
      <div className="toolbar">
        <ClusterFilter page="databases" clusterId={clusterId} />
        <StatusFilter
          id="databases-status"
          options={databaseStatusSchema.options}
          value={status}
          onChange={setStatus}
        />
      </div>
      <DatabasesTable
        key={`${clusterId ?? ''}:${status}`}
        clusterId={clusterId}
        status={status || undefined}
        showCluster={!clusterId}
      />
    </>
  );
}
