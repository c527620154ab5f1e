// The organization's stacks (or one cluster's): status, the version the servers run, how the
// last run ended. Import from a compose file or start an empty one.
import { stackStatusSchema } from '@flotilla/router/schemas';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Field } from '../components/field.tsx';
import { ClusterFilter, StatusFilter, useClusters } from '../components/filters.tsx';
import { Link } from '../components/link.tsx';
import { ListStates } from '../components/list.tsx';
import { Pager } from '../components/pager.tsx';
import { Empty, ErrorNotice } from '../components/states.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { Table } from '../components/table.tsx';
import { useOrganization } from '../organization.tsx';
import { hrefFor, navigate } from '../route.ts';
import { apiFieldErrors, useTRPC } from '../trpc.ts';
import { runInFlight, type Stack } from './stack/types.ts';

const pageSize = 20;

export function StacksPage({ clusterId }: { clusterId?: string }) {
  const trpc = useTRPC();
  const { organization } = useOrganization();
  const clusters = useClusters();
  const [status, setStatus] = useState<Stack['status'] | ''>('');
  const [page, setPage] = useState(1);
  const stacks = useQuery({
    ...trpc.stack.all.queryOptions({
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
      query.state.data?.some(
        (s: Stack) => s.removing || (s.lastRun && runInFlight.has(s.lastRun.status)),
      )
        ? 2_000
        : 10_000,
  });
  const clusterNames = new Map((clusters.data ?? []).map((c) => [c.id, c.name]));
  const rows = stacks.data ?? [];

  return (
    <>
      <div className="page-header">
        <h1>Stacks</h1>
        <div className="actions">
          <Link className="button" href={hrefFor({ page: 'importStack', clusterId })}>
            Import a compose file
          </Link>
        </div>
      </div>
      <p className="muted">
        A stack is a set of services from a docker-compose file, deployed to one cluster as a unit.
        Each deploy is a version you can compare and restore.
      </p>
      <div className="toolbar">
        <ClusterFilter page="stacks" clusterId={clusterId} />
        <StatusFilter
          id="stacks-status"
          options={stackStatusSchema.options}
          value={status}
          onChange={(value) => {
            setStatus(value);
            setPage(1);
          }}
        />
      </div>
      <ListStates query={stacks} loading="Loading stacks…" empty={rows.length === 0 && page === 1}>
        <Empty title={status ? 'No stack has this status' : 'No stacks yet'}>
          <Link
            className="button button-primary"
            href={hrefFor({ page: 'importStack', clusterId })}
          >
            Import a compose file
          </Link>
        </Empty>
      </ListStates>
      {rows.length > 0 && (
        <Table
          columns={[
            'Name',
            ...(clusterId ? [] : ['Cluster']),
            'Status',
            'Services',
            'Version',
            'Last run',
          ]}
        >
          {rows.map((stack) => (
            <tr key={stack.id} data-stack={stack.name}>
              <td data-label="Name">
                <Link href={hrefFor({ page: 'stack', stackId: stack.id, tab: 'definition' })}>
                  {stack.name}
                </Link>
                {stack.removing && <span className="muted"> (being removed)</span>}
              </td>
              {!clusterId && (
                <td data-label="Cluster">
                  <Link href={hrefFor({ page: 'cluster', clusterId: stack.clusterId })}>
                    {clusterNames.get(stack.clusterId) ?? stack.clusterId}
                  </Link>
                </td>
              )}
              <td data-label="Status">
                <StatusBadge status={stack.status} />
              </td>
              <td data-label="Services">{stack.services.map((s) => s.name).join(', ') || '—'}</td>
              <td data-label="Version">{stack.currentVersion ?? '—'}</td>
              <td data-label="Last run">
                {stack.lastRun ? (
                  <>
                    <StatusBadge status={stack.lastRun.status} /> #{stack.lastRun.ordinal} (v
                    {stack.lastRun.version})
                  </>
                ) : (
                  'never deployed'
                )}
              </td>
            </tr>
          ))}
        </Table>
      )}
      <Pager
        label="Pages of stacks"
        page={page}
        pageSize={pageSize}
        rowCount={rows.length}
        busy={stacks.isFetching}
        onPage={setPage}
      />
      <NewStackForm clusterId={clusterId} />
    </>
  );
}

/** An empty stack, to write its definition in the editor. */
function NewStackForm({ clusterId: routeCluster }: { clusterId?: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { organization } = useOrganization();
  const clusters = useClusters();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const create = useMutation(
    trpc.stack.create.mutationOptions({
      onSuccess: (stack) => {
        void queryClient.invalidateQueries({ queryKey: trpc.stack.all.pathKey() });
        navigate(hrefFor({ page: 'stack', stackId: stack.id, tab: 'definition' }));
      },
      onError: (error) => setErrors(apiFieldErrors(error)),
    }),
  );
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const name = String(data.get('name') ?? '').trim();
    const clusterId = String(data.get('clusterId') ?? '');
    if (!name) return setErrors({ name: 'is required' });
    setErrors({});
    create.mutate({
      organizationId: organization.id,
      name,
      ...(clusterId ? { clusterId } : {}),
      description: String(data.get('description') ?? ''),
    });
  }
  return (
    <section className="card" aria-labelledby="new-stack-heading">
      <h2 id="new-stack-heading">New empty stack</h2>
      <form onSubmit={submit} noValidate className="grid-2">
        <Field label="Name" error={errors.name ?? errors.stackName}>
          {(props) => <input {...props} name="name" autoComplete="off" />}
        </Field>
        <Field label="Cluster" error={errors.clusterId}>
          {(props) => (
            <select {...props} name="clusterId" defaultValue={routeCluster ?? ''}>
              <option value="">The organization's default cluster</option>
              {(clusters.data ?? []).map((cluster) => (
                <option key={cluster.id} value={cluster.id}>
                  {cluster.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Description" error={errors.description}>
          {(props) => <input {...props} name="description" autoComplete="off" />}
        </Field>
        <div className="actions">
          <button type="submit" className="button button-primary" disabled={create.isPending}>
            Create stack
          </button>
        </div>
      </form>
      <ErrorNotice error={Object.keys(errors).length ? null : create.error} />
    </section>
  );
}
