// One managed database: its status as the readiness probe last said, where it runs (the node it
// is pinned to) and how to reach it, the password on request (database.credentials: manage
// permission, every read audited), the app it is bound to, and its backups.
import { skipToken, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { Field } from '../components/field.tsx';
import { Link } from '../components/link.tsx';
import { Empty, ErrorNotice, Loading, Notice } from '../components/states.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useOrganization } from '../organization.tsx';
import { hrefFor, navigate } from '../route.ts';
import { apiFieldErrors, errorCode, useTRPC } from '../trpc.ts';
import { useClusters } from './apps.tsx';
import { type Database, formatBytes, settlingDatabase } from './database/types.ts';

function time(value: string | null): string {
  return value ? new Date(value).toLocaleString() : '—';
}

export function DatabasePage({ databaseId }: { databaseId: string }) {
  const trpc = useTRPC();
  const clusters = useClusters();
  const database = useQuery({
    ...trpc.database.one.queryOptions({ databaseId }),
    refetchInterval: (query) => {
      const data = query.state.data;
      return data &&
        (settlingDatabase.has(data.status) ||
          (data.bindingStatus !== null && data.bindingStatus !== 'bound'))
        ? 2_000
        : 5_000;
    },
  });

  if (database.isPending) return <Loading label="Loading database…" />;
  if (database.isError) {
    if (errorCode(database.error) === 'NOT_FOUND') {
      return (
        <Empty title="This database does not exist (any more)">
          <p>
            It may have been removed.{' '}
            <Link href={hrefFor({ page: 'databases' })}>All databases</Link>
          </p>
        </Empty>
      );
    }
    return <ErrorNotice error={database.error} retry={() => database.refetch()} />;
  }
  const db = database.data;
  const cluster = clusters.data?.find((c) => c.id === db.clusterId);
  return (
    <>
      <p className="breadcrumb">
        <Link href={hrefFor({ page: 'databases' })}>Databases</Link> /
      </p>
      <div className="page-header">
        <h1>
          {db.name} <StatusBadge status={db.status} />
        </h1>
      </div>
      {db.statusReason && db.status !== 'ready' && (
        <p className={db.status === 'error' ? 'notice notice-error' : 'muted'}>{db.statusReason}</p>
      )}
      <section className="card" aria-labelledby="connection-heading">
        <h2 id="connection-heading">Connection</h2>
        <dl className="facts">
          <div>
            <dt>Engine</dt>
            <dd>
              {db.engine} {db.version}
            </dd>
          </div>
          <div>
            <dt>Cluster</dt>
            <dd>
              <Link href={hrefFor({ page: 'cluster', clusterId: db.clusterId })}>
                {cluster?.name ?? db.clusterId}
              </Link>
            </dd>
          </div>
          <div>
            <dt>Pinned to node</dt>
            <dd data-testid="database-node">{db.nodeName ?? 'chosen when it is created'}</dd>
          </div>
          <div>
            <dt>Host (inside the cluster)</dt>
            <dd>
              <code>
                {db.connectionHost}:{db.connectionPort}
              </code>
            </dd>
          </div>
          {db.connectionUser && (
            <div>
              <dt>User</dt>
              <dd>
                <code>{db.connectionUser}</code>
              </dd>
            </div>
          )}
          {db.connectionDatabase && (
            <div>
              <dt>Database</dt>
              <dd>
                <code>{db.connectionDatabase}</code>
              </dd>
            </div>
          )}
          <div>
            <dt>Published</dt>
            <dd>
              {db.publishedPort ? (
                <code>
                  {db.publicHost ?? 'its node'}:{db.publishedPort}
                </code>
              ) : (
                'no: bound apps only'
              )}
            </dd>
          </div>
          <div>
            <dt>Ready since</dt>
            <dd>{time(db.readyAt)}</dd>
          </div>
        </dl>
        <CredentialsReveal database={db} />
      </section>
      <BindingSection database={db} />
      <BackupsSection database={db} />
      <section className="card" aria-labelledby="danger-heading">
        <h2 id="danger-heading">Remove</h2>
        <RemoveDatabase database={db} />
      </section>
    </>
  );
}

function CredentialsReveal({ database }: { database: Database }) {
  const trpc = useTRPC();
  const [revealed, setRevealed] = useState(false);
  const credentials = useQuery({
    ...trpc.database.credentials.queryOptions(revealed ? { databaseId: database.id } : skipToken),
    // Each read is audited: once per click, never in the background, never kept in the cache.
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: 0,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
    retry: false,
  });
  return (
    <div>
      <p className="muted">
        The password is encrypted at rest; revealing it is recorded in the audit log.
      </p>
      {revealed && credentials.data ? (
        <>
          <dl className="facts">
            <div>
              <dt>Password</dt>
              <dd>
                <code data-testid="database-password">{credentials.data.password}</code>
              </dd>
            </div>
            <div>
              <dt>URL (bound apps)</dt>
              <dd>
                <code>{credentials.data.internal.url}</code>
              </dd>
            </div>
            {credentials.data.public && (
              <div>
                <dt>URL (outside the cluster)</dt>
                <dd>
                  <code data-testid="database-public-url">{credentials.data.public.url}</code>
                </dd>
              </div>
            )}
          </dl>
          <button type="button" className="button button-small" onClick={() => setRevealed(false)}>
            Hide password
          </button>
        </>
      ) : (
        <button
          type="button"
          className="button button-small"
          disabled={credentials.isFetching}
          onClick={() => setRevealed(true)}
        >
          {credentials.isFetching ? 'Revealing…' : 'Reveal password'}
        </button>
      )}
      <ErrorNotice error={credentials.error} />
    </div>
  );
}

function useRefreshDatabase(databaseId: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: trpc.database.one.queryKey({ databaseId }) });
    void queryClient.invalidateQueries({ queryKey: trpc.database.all.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.database.backups.pathKey() });
  };
}

function BindingSection({ database }: { database: Database }) {
  const trpc = useTRPC();
  const { organization } = useOrganization();
  const refresh = useRefreshDatabase(database.id);
  const [appId, setAppId] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const apps = useQuery(
    trpc.app.all.queryOptions({
      organizationId: organization.id,
      clusterId: database.clusterId,
      limit: 100,
      sort: 'name',
      order: 'asc',
    }),
  );
  const bind = useMutation(
    trpc.database.bind.mutationOptions({
      onSuccess: () => {
        setErrors({});
        refresh();
      },
      onError: (error) => setErrors(apiFieldErrors(error)),
    }),
  );
  const unbind = useMutation(trpc.database.unbind.mutationOptions({ onSuccess: refresh }));
  const variables =
    database.engine === 'postgres'
      ? 'DATABASE_URL and PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE'
      : 'REDIS_URL';

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!appId) {
      setErrors({ appId: 'is required: choose an app' });
      return;
    }
    bind.mutate({ databaseId: database.id, appId });
  }

  return (
    <section className="card" aria-labelledby="binding-heading">
      <h2 id="binding-heading">Bound app</h2>
      <p className="muted">
        Binding writes {variables} into the app’s secret environment and redeploys it; its tasks
        reach the database by name on the database’s network.
      </p>
      {database.appId ? (
        <div className="actions">
          <span data-testid="bound-app">
            <Link href={hrefFor({ page: 'app', appId: database.appId, tab: 'overview' })}>
              {database.appName ?? database.appId}
            </Link>{' '}
            {database.bindingStatus && <StatusBadge status={database.bindingStatus} />}
          </span>
          <button
            type="button"
            className="button button-small"
            disabled={unbind.isPending || database.bindingStatus === 'unbinding'}
            onClick={() => unbind.mutate({ databaseId: database.id })}
          >
            {database.bindingStatus === 'unbinding' ? 'Unbinding…' : 'Unbind'}
          </button>
          <ErrorNotice error={unbind.error} />
        </div>
      ) : (
        <form className="row" onSubmit={submit} noValidate>
          <Field label="App" error={errors.appId ?? errors.databaseId}>
            {(props) => (
              <select {...props} value={appId} onChange={(event) => setAppId(event.target.value)}>
                <option value="">Choose an app of this cluster</option>
                {(apps.data ?? []).map((app) => (
                  <option key={app.id} value={app.id}>
                    {app.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <button
            type="submit"
            className="button"
            disabled={bind.isPending || database.status === 'deleting'}
          >
            {bind.isPending ? 'Binding…' : 'Bind'}
          </button>
        </form>
      )}
      {!database.appId && <ErrorNotice error={Object.keys(errors).length ? null : bind.error} />}
    </section>
  );
}

function BackupsSection({ database }: { database: Database }) {
  const trpc = useTRPC();
  const refresh = useRefreshDatabase(database.id);
  const [restoring, setRestoring] = useState<string | null>(null);
  const [copyName, setCopyName] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const backups = useQuery({
    ...trpc.database.backups.queryOptions({ databaseId: database.id }),
    refetchInterval: (query) =>
      query.state.data?.backups.some((b) => b.status === 'running') ||
      query.state.data?.restores.some((r) => r.status === 'queued' || r.status === 'running')
        ? 1_500
        : 10_000,
  });
  const backup = useMutation(trpc.database.backup.mutationOptions({ onSuccess: refresh }));
  const restore = useMutation(
    trpc.database.restore.mutationOptions({
      onSuccess: (result) => {
        setRestoring(null);
        setErrors({});
        refresh();
        if (result.database.id !== database.id) {
          navigate(hrefFor({ page: 'database', databaseId: result.database.id }));
        }
      },
      onError: (error) => setErrors(apiFieldErrors(error)),
    }),
  );
  const list = backups.data?.backups ?? [];
  const restores = backups.data?.restores ?? [];

  return (
    <section className="card" aria-labelledby="backups-heading">
      <div className="page-header">
        <h2 id="backups-heading">Backups</h2>
        <button
          type="button"
          className="button button-small button-primary"
          disabled={backup.isPending || database.status !== 'ready'}
          onClick={() => backup.mutate({ databaseId: database.id })}
        >
          {backup.isPending ? 'Starting…' : 'Back up now'}
        </button>
      </div>
      <p className="muted">
        The dump runs inside the database’s task on its node and is streamed to the control plane’s
        backup storage.
      </p>
      <ErrorNotice error={backup.error} />
      <ErrorNotice error={backups.error} retry={() => backups.refetch()} />
      {backups.isSuccess && list.length === 0 && <p className="muted">No backups yet.</p>}
      {list.length > 0 && (
        <div className="table-wrap">
          <table className="responsive">
            <caption className="visually-hidden">Backups of {database.name}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Taken</th>
                <th scope="col">Status</th>
                <th scope="col" className="numeric">
                  Size
                </th>
                <th scope="col">Restore</th>
              </tr>
            </thead>
            <tbody>
              {list.map((item) => (
                <tr key={item.id} data-backup={item.id}>
                  <td data-label="Taken">
                    <time dateTime={item.createdAt}>{time(item.createdAt)}</time>
                  </td>
                  <td data-label="Status">
                    <StatusBadge status={item.status} />
                    {item.reason && <span className="muted"> {item.reason}</span>}
                  </td>
                  <td data-label="Size" className="numeric">
                    {formatBytes(item.sizeBytes)}
                  </td>
                  <td data-label="Restore">
                    {item.status === 'succeeded' &&
                      (restoring === item.id ? (
                        <form
                          className="row"
                          noValidate
                          onSubmit={(event) => {
                            event.preventDefault();
                            restore.mutate({
                              databaseId: database.id,
                              backupId: item.id,
                              ...(copyName.trim()
                                ? { newDatabase: { name: copyName.trim() } }
                                : {}),
                            });
                          }}
                        >
                          <Field
                            label="Into a new database named (empty: this one)"
                            error={
                              errors['newDatabase.name'] ?? errors.newDatabase ?? errors.backupId
                            }
                          >
                            {(props) => (
                              <input
                                {...props}
                                value={copyName}
                                onChange={(event) => setCopyName(event.target.value)}
                                autoComplete="off"
                              />
                            )}
                          </Field>
                          <button
                            type="submit"
                            className="button button-small button-danger"
                            disabled={restore.isPending}
                          >
                            {copyName.trim()
                              ? 'Restore into new database'
                              : 'Restore over this one'}
                          </button>
                          <button
                            type="button"
                            className="button button-small"
                            onClick={() => setRestoring(null)}
                          >
                            Cancel
                          </button>
                        </form>
                      ) : (
                        <button
                          type="button"
                          className="button button-small"
                          onClick={() => {
                            setRestoring(item.id);
                            setCopyName('');
                          }}
                        >
                          Restore…
                        </button>
                      ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ErrorNotice error={Object.keys(errors).length ? null : restore.error} />
      {restores.length > 0 && (
        <>
          <h3>Restores into this database</h3>
          <ul>
            {restores.map((item) => (
              <li key={item.id} data-restore={item.id}>
                <StatusBadge status={item.status} /> backup {item.backupId}, asked{' '}
                {time(item.createdAt)}
                {item.reason && <span className="muted"> — {item.reason}</span>}
              </li>
            ))}
          </ul>
        </>
      )}
      {restores.some((item) => item.status === 'queued' || item.status === 'running') && (
        <Notice>Restoring: the database keeps serving until the backup is loaded.</Notice>
      )}
    </section>
  );
}

function RemoveDatabase({ database }: { database: Database }) {
  const trpc = useTRPC();
  const refresh = useRefreshDatabase(database.id);
  const remove = useMutation(
    trpc.database.remove.mutationOptions({
      onSuccess: () => {
        refresh();
        navigate(hrefFor({ page: 'databases' }));
      },
    }),
  );
  return (
    <>
      <p className="muted">
        Removes the service, its volume (the data) and its backups. A bound app must be unbound
        first.
      </p>
      <ErrorNotice error={remove.error} />
      <ConfirmButton
        label="Remove database"
        confirmLabel={`Remove ${database.name} and its data`}
        pending={remove.isPending}
        onConfirm={() => remove.mutate({ databaseId: database.id })}
      />
    </>
  );
}
