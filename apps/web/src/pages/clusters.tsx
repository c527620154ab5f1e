import { type clusterSortFields, clusterStatusSchema } from '@flotilla/router/schemas';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { StatusFilter } from '../components/filters.tsx';
import { Link } from '../components/link.tsx';
import { type Column, ListStates, ListTable } from '../components/list.tsx';
import { Pager } from '../components/pager.tsx';
import { PlatformNumbers } from '../components/platform-numbers.tsx';
import { Empty } from '../components/states.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useOrganization } from '../organization.tsx';
import { hrefFor } from '../route.ts';
import { type Outputs, useTRPC } from '../trpc.ts';

type SortField = (typeof clusterSortFields)[number];
type Cluster = Outputs['cluster']['all'][number];

const pageSize = 20;
const settling = new Set(['provisioning', 'updating', 'deleting']);

const columns: Column<SortField>[] = [
  { label: 'Name', sort: 'name' },
  { label: 'Provider', sort: 'provider' },
  { label: 'Region', sort: 'region' },
  { label: 'Orchestrator' },
  { label: 'Nodes', numeric: true },
  { label: 'Status', sort: 'status' },
  { label: 'Created', sort: 'createdAt' },
];

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

export function ClustersPage() {
  const trpc = useTRPC();
  const { organization } = useOrganization();
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<SortField>('createdAt');
  const [order, setOrder] = useState<'asc' | 'desc'>('desc');
  const [page, setPage] = useState(1);
  const [status, setStatus] = useState<Cluster['status'] | ''>('');
  const term = useDebounced(search.trim(), 250);

  const clusters = useQuery({
    ...trpc.cluster.all.queryOptions({
      organizationId: organization.id,
      page,
      limit: pageSize,
      sort,
      order,
      search: term || undefined,
      ...(status ? { status } : {}),
    }),
    placeholderData: keepPreviousData,
    // Status badges follow changes: quickly while a cluster is still settling, slowly otherwise.
    refetchInterval: (query) =>
      query.state.data?.some((cluster: Cluster) => settling.has(cluster.status)) ? 2_000 : 5_000,
  });

  function sortBy(field: SortField) {
    if (field === sort) setOrder(order === 'asc' ? 'desc' : 'asc');
    else {
      setSort(field);
      setOrder(field === 'createdAt' ? 'desc' : 'asc');
    }
    setPage(1);
  }

  const rows = clusters.data ?? [];
  const filtered = Boolean(term || status);

  return (
    <>
      <div className="page-header">
        <h1>Clusters</h1>
        <div className="actions">
          <Link className="button" href={hrefFor({ page: 'adoptCluster' })}>
            Adopt an existing cluster
          </Link>
          <Link className="button button-primary" href={hrefFor({ page: 'createCluster' })}>
            New cluster
          </Link>
        </div>
      </div>
      <PlatformNumbers />
      <div className="toolbar">
        <div className="field">
          <label htmlFor="cluster-search">Search</label>
          <input
            id="cluster-search"
            type="search"
            placeholder="Name, provider or region"
            value={search}
            onChange={(event) => {
              setSearch(event.target.value);
              setPage(1);
            }}
          />
        </div>
        {/* Column headers (the sort buttons) fold away on phones: sort from here there. */}
        <div className="field phone-only">
          <label htmlFor="cluster-sort">Sort by</label>
          <select
            id="cluster-sort"
            value={`${sort}:${order}`}
            onChange={(event) => {
              const [field, direction] = event.target.value.split(':') as [
                SortField,
                'asc' | 'desc',
              ];
              setSort(field);
              setOrder(direction);
              setPage(1);
            }}
          >
            {columns.flatMap((column) =>
              column.sort
                ? (['asc', 'desc'] as const).map((direction) => (
                    <option
                      key={`${column.sort}:${direction}`}
                      value={`${column.sort}:${direction}`}
                    >
                      {column.label} ({direction === 'asc' ? 'ascending' : 'descending'})
                    </option>
                  ))
                : [],
            )}
          </select>
        </div>
        <StatusFilter
          id="cluster-status"
          options={clusterStatusSchema.options}
          value={status}
          onChange={(value) => {
            setStatus(value);
            setPage(1);
          }}
        />
      </div>
      <ListStates
        query={clusters}
        loading="Loading clusters…"
        empty={rows.length === 0 && page === 1}
      >
        <Empty title={filtered ? 'No cluster matches these filters' : 'No clusters yet'}>
          {!filtered && (
            <Link className="button button-primary" href={hrefFor({ page: 'createCluster' })}>
              Create your first cluster
            </Link>
          )}
        </Empty>
      </ListStates>
      {rows.length > 0 && (
        <ListTable
          caption={
            <>
              Clusters of {organization.name}, sorted by {sort} {order}ending
            </>
          }
          columns={columns}
          sort={{ field: sort, order, by: sortBy }}
        >
          {rows.map((cluster) => (
            <tr key={cluster.id} data-cluster={cluster.name}>
              <td data-label="Name">
                <Link href={hrefFor({ page: 'cluster', clusterId: cluster.id })}>
                  {cluster.name}
                </Link>
              </td>
              <td data-label="Provider">{cluster.provider}</td>
              <td data-label="Region">{cluster.region}</td>
              <td data-label="Orchestrator">{cluster.orchestrator}</td>
              <td data-label="Nodes" className="numeric">
                {cluster.nodeCount}
              </td>
              <td data-label="Status">
                <StatusBadge status={cluster.status} />
              </td>
              <td data-label="Created">
                <time dateTime={cluster.createdAt}>
                  {new Date(cluster.createdAt).toLocaleString()}
                </time>
              </td>
            </tr>
          ))}
        </ListTable>
      )}
      <Pager
        label="Pages"
        page={page}
        pageSize={pageSize}
        rowCount={rows.length}
        busy={clusters.isFetching}
        onPage={setPage}
      />
    </>
  );
}
