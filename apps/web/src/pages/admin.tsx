// Instance administration: the control plane's own API and worker processes, which worker a
// cluster's or app's jobs are pinned to, and who administers the instance. Shown to instance
// administrators only (the API refuses everyone else, and API tokens).
import { adminGrantInput, controlPlaneSetAssignmentInput } from '@flotilla/router/schemas';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { Field } from '../components/field.tsx';
import { Empty, ErrorNotice, Loading, Notice } from '../components/states.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { Table } from '../components/table.tsx';
import { useMe } from '../organization.tsx';
import { apiFieldErrors, type Outputs, useTRPC } from '../trpc.ts';
import { formValues, validate } from '../validation.ts';

type Instance = Outputs['controlPlane']['instances']['instances'][number];

export function AdminPage() {
  const me = useMe();
  if (!me.data?.instanceAdmin) {
    return (
      <Empty title="For instance administrators">
        <p>This page shows the control plane itself. Ask an instance administrator for access.</p>
      </Empty>
    );
  }
  return (
    <>
      <div className="page-header">
        <h1>Administration</h1>
      </div>
      <NodesSection />
      <PinsSection />
      <QueuesSection />
      <AdministratorsSection />
    </>
  );
}

/** "4 s ago", kept current between refreshes. */
function useNow(intervalMs = 1_000) {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

function age(iso: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  return new Date(iso).toLocaleString();
}

function NodesSection() {
  const trpc = useTRPC();
  const now = useNow();
  // Heartbeats come every 10 s; a node counts as offline after three missed ones.
  const overview = useQuery({
    ...trpc.controlPlane.overview.queryOptions(),
    refetchInterval: 5_000,
  });
  const nodes = overview.data?.nodes ?? [];
  return (
    <section className="page-section" aria-labelledby="nodes">
      <h2 id="nodes">Control-plane nodes</h2>
      <p className="muted">
        Every API and worker process, by its node name (<code>FLOTILLA_NODE_NAME</code>). An API and
        a worker on one machine share a name.
        {overview.data?.thisNodeName && (
          <>
            {' '}
            This page was answered by <strong>{overview.data.thisNodeName}</strong>.
          </>
        )}
      </p>
      <ErrorNotice error={overview.error} retry={() => overview.refetch()} />
      {overview.isPending && <Loading label="Loading nodes…" />}
      {overview.isSuccess && nodes.length === 0 && <Empty title="No process has registered yet" />}
      {nodes.length > 0 && (
        <Table columns={['Node', 'Role', 'Status', 'Last heartbeat', 'Version', 'Tags', 'Host']}>
          {nodes.map((node) => (
            <tr key={`${node.name}/${node.role}`} data-node={node.name} data-role={node.role}>
              <td data-label="Node">
                <strong>{node.name}</strong>
              </td>
              <td data-label="Role">{node.role}</td>
              <td data-label="Status">
                <StatusBadge status={node.status} />
              </td>
              <td data-label="Last heartbeat">{age(node.lastHeartbeatAt, now)}</td>
              <td data-label="Version">{node.version}</td>
              <td data-label="Tags">{node.tags.length > 0 ? node.tags.join(', ') : '—'}</td>
              <td data-label="Host">{`${node.hostname} · pid ${node.pid}`}</td>
            </tr>
          ))}
        </Table>
      )}
    </section>
  );
}

const instanceKey = (instance: Pick<Instance, 'entityType' | 'entityId'>) =>
  `${instance.entityType}:${instance.entityId}`;

function PinsSection() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const overview = useQuery(trpc.controlPlane.overview.queryOptions());
  const instances = useQuery(trpc.controlPlane.instances.queryOptions());
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [selected, setSelected] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const list = instances.data?.instances ?? [];
  const nameOf = (ref: Pick<Instance, 'entityType' | 'entityId'>) =>
    list.find((instance) => instanceKey(instance) === instanceKey(ref))?.name ?? ref.entityId;
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.controlPlane.instances.pathKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.controlPlane.overview.pathKey() }),
    ]);
  const set = useMutation(
    trpc.controlPlane.setAssignment.mutationOptions({
      onSuccess: ({ assignment }) => {
        setDone(
          `Jobs of ${nameOf(assignment)} now go to ${assignment.nodeName} (${assignment.mode}).`,
        );
        void refresh();
      },
      onError: (error) => setErrors(apiFieldErrors(error)),
    }),
  );
  const remove = useMutation(
    trpc.controlPlane.deleteAssignment.mutationOptions({
      onSuccess: (_result, input) => {
        setDone(`Jobs of ${nameOf(input)} go to any worker again.`);
        void refresh();
      },
    }),
  );
  const workers = [
    ...new Set((overview.data?.nodes ?? []).filter((n) => n.role === 'worker').map((n) => n.name)),
  ];
  const current = list.find((instance) => instanceKey(instance) === selected);
  // The node and mode fields start from the chosen entity's pin, and again whenever it changes.
  const formKey = `${selected}/${current?.explicit ? `${current.nodeName}/${current.mode}` : ''}`;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setDone(null);
    const values = formValues(event.currentTarget);
    const [entityType, entityId] = (values.entity ?? '').split(':');
    const result = validate(controlPlaneSetAssignmentInput, {
      entityType,
      entityId,
      nodeName: values.worker,
      mode: values.mode,
    });
    setErrors(result.ok ? {} : result.errors);
    if (result.ok) set.mutate(result.data);
  }

  return (
    <section className="page-section" aria-labelledby="pins">
      <h2 id="pins">Pinned jobs</h2>
      <p className="muted">
        A cluster or app pinned to a worker has its jobs (provisioning, nodes, deploys, builds) run
        by that worker only: <strong>strict</strong> waits while it is offline,{' '}
        <strong>preferred</strong> lets any worker take them meanwhile. An app without a pin of its
        own follows its cluster. Waiting jobs move when a pin changes.
      </p>
      <div className="card">
        <ErrorNotice error={set.error && !errors.nodeName ? set.error : null} />
        {done && <Notice>{done}</Notice>}
        <form onSubmit={submit} noValidate aria-label="Pin jobs to a worker">
          <div className="row">
            <Field label="Cluster or app" error={errors.entityType ?? errors.entityId}>
              {(props) => (
                <select
                  {...props}
                  name="entity"
                  value={selected}
                  onChange={(event) => setSelected(event.target.value)}
                >
                  <option value="">Choose…</option>
                  {list.map((instance) => (
                    <option key={instanceKey(instance)} value={instanceKey(instance)}>
                      {instance.entityType === 'app' ? 'App' : 'Cluster'} {instance.name} (
                      {instance.tenantSlug})
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Worker node" error={errors.nodeName}>
              {(props) => (
                <select
                  {...props}
                  // Not "nodeName": a form control of that name would shadow form.nodeName.
                  name="worker"
                  key={`node-${formKey}`}
                  defaultValue={current?.explicit ? (current.nodeName ?? '') : ''}
                >
                  <option value="">Choose…</option>
                  {workers.map((name) => (
                    <option key={name} value={name}>
                      {name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Mode" error={errors.mode}>
              {(props) => (
                <select
                  {...props}
                  name="mode"
                  key={`mode-${formKey}`}
                  defaultValue={current?.explicit ? (current.mode ?? 'strict') : 'strict'}
                >
                  <option value="strict">strict</option>
                  <option value="preferred">preferred</option>
                </select>
              )}
            </Field>
            <button type="submit" className="button button-primary" disabled={set.isPending}>
              {set.isPending ? 'Pinning…' : 'Pin'}
            </button>
          </div>
        </form>
      </div>
      <ErrorNotice error={instances.error ?? remove.error} retry={() => instances.refetch()} />
      {instances.isPending && <Loading label="Loading clusters and apps…" />}
      {instances.isSuccess && list.length === 0 && <Empty title="No clusters or apps yet" />}
      {list.length > 0 && (
        <Table columns={['Name', 'Kind', 'Organization', 'Runs on', 'Mode']} actions>
          {list.map((instance) => (
            <tr key={instanceKey(instance)} data-entity={instance.entityId}>
              <td data-label="Name">
                <strong>{instance.name}</strong> <span className="muted">{instance.subtitle}</span>
              </td>
              <td data-label="Kind">{instance.entityType}</td>
              <td data-label="Organization">{instance.tenantSlug}</td>
              <td data-label="Runs on">
                {instance.nodeName ?? <span className="muted">any worker</span>}
                {instance.nodeName && !instance.explicit && (
                  <span className="muted"> (its cluster’s pin)</span>
                )}
              </td>
              <td data-label="Mode">{instance.mode ?? '—'}</td>
              <td data-label="Actions">
                <span className="actions">
                  <button
                    type="button"
                    className="button button-small"
                    onClick={() => {
                      setSelected(instanceKey(instance));
                      setDone(null);
                    }}
                  >
                    {instance.explicit ? 'Change' : 'Pin'}
                    <span className="visually-hidden"> {instance.name}</span>
                  </button>
                  {instance.explicit && (
                    <ConfirmButton
                      label="Unpin"
                      confirmLabel={`Unpin ${instance.name}`}
                      pending={remove.isPending}
                      onConfirm={() =>
                        remove.mutate({
                          entityType: instance.entityType,
                          entityId: instance.entityId,
                        })
                      }
                    />
                  )}
                </span>
              </td>
            </tr>
          ))}
        </Table>
      )}
    </section>
  );
}

/**
 * Bull Board under /admin/queues: its pages cannot send this page's token, so the API first sets
 * a short-lived cookie for this session (controlPlane.queueView), then the browser goes there.
 */
function QueuesSection() {
  const trpc = useTRPC();
  const open = useMutation(
    trpc.controlPlane.queueView.mutationOptions({
      onSuccess: ({ url }) => window.location.assign(url),
    }),
  );
  return (
    <section className="page-section" aria-labelledby="queues">
      <h2 id="queues">Job queues</h2>
      <p className="muted">
        Every job waiting, running, delayed or failed in the workers' queues; retry failed jobs
        there.
      </p>
      <ErrorNotice error={open.error} />
      <button
        type="button"
        className="button"
        disabled={open.isPending}
        onClick={() => open.mutate()}
      >
        {open.isPending ? 'Opening…' : 'Open the queue view'}
      </button>
    </section>
  );
}

function AdministratorsSection() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useMe();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const admins = useQuery(trpc.admin.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.admin.list.pathKey() });
  const grant = useMutation(
    trpc.admin.grant.mutationOptions({
      onSuccess: refresh,
      onError: (error) => setErrors(apiFieldErrors(error)),
    }),
  );
  const revoke = useMutation(trpc.admin.revoke.mutationOptions({ onSuccess: refresh }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const result = validate(adminGrantInput, { email: formValues(form).email });
    setErrors(result.ok ? {} : { email: result.errors.email ?? result.errors.userId ?? '' });
    if (result.ok) grant.mutate(result.data, { onSuccess: () => form.reset() });
  }

  return (
    <section className="page-section" aria-labelledby="administrators">
      <h2 id="administrators">Instance administrators</h2>
      <p className="muted">
        They see this page and set quotas, whatever their role in an organization.
      </p>
      <div className="card">
        <ErrorNotice error={grant.error && !errors.email ? grant.error : null} />
        <form onSubmit={submit} noValidate aria-label="Make a user an instance administrator">
          <div className="row">
            <Field label="User's email" error={errors.email}>
              {(props) => <input {...props} name="email" type="email" autoComplete="off" />}
            </Field>
            <button type="submit" className="button button-primary" disabled={grant.isPending}>
              {grant.isPending ? 'Granting…' : 'Make administrator'}
            </button>
          </div>
        </form>
      </div>
      <ErrorNotice error={admins.error ?? revoke.error} retry={() => admins.refetch()} />
      {admins.isPending && <Loading label="Loading administrators…" />}
      {(admins.data?.length ?? 0) > 0 && (
        <Table columns={['Name', 'Email']} actions>
          {admins.data?.map((user) => (
            <tr key={user.id}>
              <td data-label="Name">
                {user.name}
                {user.id === me.data?.id && <span className="muted"> (you)</span>}
              </td>
              <td data-label="Email">{user.email}</td>
              <td data-label="Actions">
                {(admins.data?.length ?? 0) > 1 && (
                  <ConfirmButton
                    label="Revoke"
                    confirmLabel={`Revoke ${user.name}`}
                    pending={revoke.isPending && revoke.variables?.userId === user.id}
                    onConfirm={() => revoke.mutate({ userId: user.id })}
                  />
                )}
              </td>
            </tr>
          ))}
        </Table>
      )}
    </section>
  );
}
