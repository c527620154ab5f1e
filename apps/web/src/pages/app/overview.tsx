// The app's overview: what runs now (read live from the cluster), its resource use, and the
// actions on it: deploy, restart, scale, remove.
import { appUpdateInput } from '@flotilla/router/schemas';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Field } from '../../components/field.tsx';
import { Link } from '../../components/link.tsx';
import { ErrorNotice, Loading, Notice } from '../../components/states.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { Table } from '../../components/table.tsx';
import { hrefFor, navigate } from '../../route.ts';
import { apiFieldErrors, type Outputs, useTRPC } from '../../trpc.ts';
import { formValues, validate } from '../../validation.ts';
import { sourceOf } from '../apps.tsx';
import { formatBytes, formatPercent, formatTime } from './format.ts';
import { type App, type Deployment, inFlight } from './types.ts';
import { archiveTypes, UploadError, uploadSource } from './upload.ts';

type Cluster = Outputs['cluster']['one'];

/** Re-reads everything the page shows of the app (after a change the worker will carry out). */
export function useRefreshApp(appId: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: trpc.app.one.queryKey({ appId }) });
    void queryClient.invalidateQueries({ queryKey: trpc.app.deployments.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.app.status.queryKey({ appId }) });
    void queryClient.invalidateQueries({ queryKey: trpc.app.all.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.app.audit.pathKey() });
  };
}

export function OverviewSection({
  app,
  deployments,
  cluster,
}: {
  app: App;
  deployments: Deployment[];
  cluster: Cluster | undefined;
}) {
  const current = deployments.find((d) => inFlight.has(d.status));
  const serving = deployments.find((d) => d.status === 'active');
  return (
    <>
      {current && <InFlightNotice app={app} deployment={current} />}
      <StatusSection app={app} busy={Boolean(current)} />
      <MetricsSection app={app} />
      <div className="grid-2">
        <DeploySection app={app} busy={Boolean(current)} serving={serving} />
        <ScaleSection app={app} />
      </div>
      <DetailsSection app={app} cluster={cluster} />
      <RemoveSection app={app} />
    </>
  );
}

function InFlightNotice({ app, deployment }: { app: App; deployment: Deployment }) {
  return (
    <div className="notice" role="status" data-testid="deployment-in-flight">
      <span>
        Deployment #{deployment.ordinal} is <StatusBadge status={deployment.status} />
        {deployment.cancelRequestedAt ? ' (cancelling)' : ''}.
      </span>
      <Link
        className="button button-small"
        href={hrefFor({ page: 'app', appId: app.id, tab: 'deployments' })}
      >
        Follow it
      </Link>
      {!deployment.cancelRequestedAt && <CancelButton app={app} deployment={deployment} />}
    </div>
  );
}

export function CancelButton({ app, deployment }: { app: App; deployment: Deployment }) {
  const trpc = useTRPC();
  const refresh = useRefreshApp(app.id);
  const cancel = useMutation(trpc.app.cancelDeployment.mutationOptions({ onSettled: refresh }));
  return (
    <>
      <button
        type="button"
        className="button button-small button-danger"
        disabled={cancel.isPending || Boolean(deployment.cancelRequestedAt)}
        onClick={() => cancel.mutate({ appId: app.id, deploymentId: deployment.id })}
      >
        {cancel.isPending ? 'Cancelling…' : `Cancel deployment #${deployment.ordinal}`}
      </button>
      <ErrorNotice error={cancel.error} />
    </>
  );
}

function StatusSection({ app, busy }: { app: App; busy: boolean }) {
  const trpc = useTRPC();
  const status = useQuery({
    ...trpc.app.status.queryOptions({ appId: app.id }),
    // Read from the cluster's manager each time: often while a change is under way.
    refetchInterval: busy ? 2_000 : 5_000,
  });
  const data = status.data;
  return (
    <section className="card" aria-labelledby="status-heading">
      <div className="page-header">
        <h2 id="status-heading">Running now</h2>
        {data && (
          <span className="muted" data-testid="replicas-ready">
            {data.readyReplicas} of {data.desiredReplicas} ready
          </span>
        )}
      </div>
      <ErrorNotice error={status.error} retry={() => status.refetch()} />
      {status.isPending && <Loading label="Asking the cluster…" />}
      {data?.service === 'absent' && (
        <p className="muted">
          Nothing runs on the cluster yet{busy ? ': the first deployment is under way.' : '.'}
        </p>
      )}
      {data?.service === 'present' && (
        <>
          {data.updateState && (
            <p className="muted">
              Swarm update: <code>{data.updateState}</code>
              {data.updateMessage ? ` — ${data.updateMessage}` : ''}
            </p>
          )}
          {data.pods.length === 0 ? (
            <p className="muted">No task should be running (scaled to 0).</p>
          ) : (
            <Table columns={['Task', 'Phase', 'State', 'Node', 'Current spec', 'Since', 'Message']}>
              {data.pods.map((pod) => (
                <tr key={pod.name} data-pod={pod.name} data-phase={pod.phase}>
                  <td data-label="Task">
                    <code>{pod.name}</code>
                  </td>
                  <td data-label="Phase">
                    <span
                      className={`badge badge-${pod.phase === 'Running' ? (pod.ready ? 'ok' : 'warn') : pod.phase === 'Failed' ? 'bad' : 'progress'}`}
                    >
                      {pod.phase}
                    </span>
                  </td>
                  <td data-label="State">{pod.state}</td>
                  <td data-label="Node">{pod.node ?? '—'}</td>
                  <td data-label="Current spec">{pod.upToDate ? 'yes' : 'no (older)'}</td>
                  <td data-label="Since">
                    <time dateTime={pod.updatedAt}>
                      {new Date(pod.updatedAt).toLocaleTimeString()}
                    </time>
                  </td>
                  <td data-label="Message">{pod.error ?? pod.message ?? ''}</td>
                </tr>
              ))}
            </Table>
          )}
        </>
      )}
    </section>
  );
}

function MetricsSection({ app }: { app: App }) {
  const trpc = useTRPC();
  const metrics = useQuery({
    ...trpc.app.metrics.queryOptions({ appId: app.id }),
    refetchInterval: 5_000,
    enabled: app.status !== 'created',
  });
  const data = metrics.data;
  return (
    <section className="card" aria-labelledby="metrics-heading">
      <div className="page-header">
        <h2 id="metrics-heading">Resource use</h2>
        {data && (
          <span className="muted">
            sampled <time dateTime={data.sampledAt}>{formatTime(data.sampledAt)}</time>
          </span>
        )}
      </div>
      <ErrorNotice error={metrics.error} retry={() => metrics.refetch()} />
      {metrics.isLoading && <Loading label="Sampling the tasks…" />}
      {data && data.tasks.length === 0 && <p className="muted">No running task to sample.</p>}
      {data && data.tasks.length > 0 && (
        <Table columns={['Task', 'CPU', 'Memory', 'Network in / out', 'Disk read / write']}>
          {data.tasks.map((task) => (
            <tr key={task.taskId} data-metrics-task={task.taskId}>
              <td data-label="Task">
                <code>{task.taskId.slice(0, 12)}</code>
              </td>
              <td data-label="CPU">
                <span className="meter-cell">
                  <meter
                    min={0}
                    max={100}
                    value={Math.min(task.cpuPercent, 100)}
                    aria-label={`CPU of task ${task.taskId.slice(0, 12)}`}
                  />
                  <span data-testid="cpu">{formatPercent(task.cpuPercent)}</span>
                </span>
              </td>
              <td data-label="Memory">
                <span className="meter-cell">
                  {task.memoryLimitBytes > 0 && (
                    <meter
                      min={0}
                      max={task.memoryLimitBytes}
                      value={task.memoryBytes}
                      aria-label={`Memory of task ${task.taskId.slice(0, 12)}`}
                    />
                  )}
                  <span data-testid="memory">{formatBytes(task.memoryBytes)}</span>
                </span>
              </td>
              <td data-label="Network in / out">
                {formatBytes(task.networkRxBytes)} / {formatBytes(task.networkTxBytes)}
              </td>
              <td data-label="Disk read / write">
                {formatBytes(task.diskReadBytes)} / {formatBytes(task.diskWriteBytes)}
              </td>
            </tr>
          ))}
          <tr className="total-row">
            <td data-label="Task">All tasks</td>
            <td data-label="CPU">{formatPercent(data.total.cpuPercent)}</td>
            <td data-label="Memory">{formatBytes(data.total.memoryBytes)}</td>
            <td data-label="Network in / out">
              {formatBytes(data.total.networkRxBytes)} / {formatBytes(data.total.networkTxBytes)}
            </td>
            <td data-label="Disk read / write">
              {formatBytes(data.total.diskReadBytes)} / {formatBytes(data.total.diskWriteBytes)}
            </td>
          </tr>
        </Table>
      )}
    </section>
  );
}

function DeploySection({
  app,
  busy,
  serving,
}: {
  app: App;
  busy: boolean;
  serving: Deployment | undefined;
}) {
  const trpc = useTRPC();
  const refresh = useRefreshApp(app.id);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [done, setDone] = useState<string | null>(null);
  const onError = (error: unknown) => setErrors(apiFieldErrors(error));
  const update = useMutation(trpc.app.update.mutationOptions({ onError }));
  const deploy = useMutation(
    trpc.app.deploy.mutationOptions({
      onSuccess: (deployment) => setDone(`Deployment #${deployment.ordinal} queued.`),
      onError,
      onSettled: refresh,
    }),
  );
  const restart = useMutation(
    trpc.app.restart.mutationOptions({
      onSuccess: () => setDone('Every task is being replaced; no new deployment is made.'),
      onSettled: refresh,
    }),
  );
  const upload = useMutation({
    mutationFn: (file: File) => uploadSource(app.id, file),
    onSuccess: (deployment) => setDone(`Deployment #${deployment.ordinal} queued: building.`),
    onError: (error) => setErrors(error instanceof UploadError ? error.fields : {}),
    onSettled: refresh,
  });

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setDone(null);
    setErrors({});
    const form = event.currentTarget;
    if (app.sourceType === 'upload') {
      const file = (form.elements.namedItem('file') as HTMLInputElement | null)?.files?.[0];
      if (file) upload.mutate(file);
      else deploy.mutate({ appId: app.id, rebuild: false });
      return;
    }
    const values = formValues(form);
    if (app.sourceType === 'image' && values.imageUrl && values.imageUrl !== app.imageUrl) {
      // A new image is a change of the app (kept for later deploys), then a deploy of it.
      const result = validate(appUpdateInput, { appId: app.id, imageUrl: values.imageUrl });
      if (!result.ok) return setErrors(result.errors);
      try {
        await update.mutateAsync(result.data);
      } catch {
        return;
      }
    }
    deploy.mutate({
      appId: app.id,
      ...(app.sourceType === 'git' ? { rebuild: values.rebuild === 'on' } : {}),
    });
  }

  const pending = update.isPending || deploy.isPending || upload.isPending;
  return (
    <section className="card" aria-labelledby="deploy-heading">
      <h2 id="deploy-heading">Deploy</h2>
      {done && <Notice>{done}</Notice>}
      <ErrorNotice error={update.error ?? deploy.error ?? upload.error ?? restart.error} />
      {serving && (
        // After a rollback the app's image setting and what serves differ: show both.
        <p className="muted" data-testid="serving-now">
          Serving now: deployment #{serving.ordinal},{' '}
          <code>{serving.image ?? 'a built image'}</code>
        </p>
      )}
      <form onSubmit={submit} noValidate>
        {app.sourceType === 'image' && (
          <Field label="Image to deploy" error={errors.imageUrl}>
            {(props) => (
              <input
                {...props}
                name="imageUrl"
                defaultValue={app.imageUrl ?? ''}
                key={app.imageUrl}
                autoComplete="off"
                spellCheck={false}
              />
            )}
          </Field>
        )}
        {app.sourceType === 'git' && (
          <label className="choice-row">
            <input type="checkbox" name="rebuild" defaultChecked />
            Build the branch’s latest commit first
          </label>
        )}
        {app.sourceType === 'upload' && (
          <Field
            label="New source archive"
            hint="Optional: without one, the last build is deployed again."
            error={errors.file}
          >
            {(props) => <input {...props} name="file" type="file" accept={archiveTypes} />}
          </Field>
        )}
        <p className="field-hint">
          Env and settings changes apply with the next deploy; the previous deployment keeps serving
          until the new one is up.
        </p>
        <div className="actions">
          <button
            type="submit"
            className="button button-primary"
            disabled={pending || busy || app.status === 'deleting'}
          >
            {pending ? 'Deploying…' : 'Deploy'}
          </button>
          <button
            type="button"
            className="button"
            disabled={restart.isPending || busy || app.status === 'deleting'}
            onClick={() => {
              setDone(null);
              restart.mutate({ appId: app.id });
            }}
          >
            {restart.isPending ? 'Restarting…' : 'Restart'}
          </button>
        </div>
        {busy && <p className="field-hint">A deployment is under way: wait for it or cancel it.</p>}
      </form>
    </section>
  );
}

function ScaleSection({ app }: { app: App }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = useRefreshApp(app.id);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const scale = useMutation(
    trpc.app.update.mutationOptions({
      onSuccess: (updated) => {
        queryClient.setQueryData(trpc.app.one.queryKey({ appId: app.id }), updated);
        refresh();
      },
      onError: (error) => setErrors(apiFieldErrors(error)),
    }),
  );
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const result = validate(appUpdateInput, {
      appId: app.id,
      replicas: formValues(event.currentTarget).replicas,
    });
    setErrors(result.ok ? {} : result.errors);
    if (result.ok) scale.mutate(result.data);
  }
  return (
    <section className="card" aria-labelledby="scale-heading">
      <h2 id="scale-heading">Scale</h2>
      {scale.isSuccess && <Notice>Scaling to {scale.data.replicas}: takes effect at once.</Notice>}
      <ErrorNotice error={scale.error} />
      <form onSubmit={submit} noValidate>
        <div className="row">
          <Field label="Replicas" error={errors.replicas}>
            {(props) => (
              <input
                {...props}
                name="replicas"
                inputMode="numeric"
                defaultValue={app.replicas}
                key={app.replicas}
              />
            )}
          </Field>
          <button
            type="submit"
            className="button"
            disabled={scale.isPending || app.status === 'deleting'}
          >
            {scale.isPending ? 'Scaling…' : 'Scale'}
          </button>
        </div>
      </form>
    </section>
  );
}

function DetailsSection({ app, cluster }: { app: App; cluster: Cluster | undefined }) {
  const addresses = (cluster?.nodes ?? []).map((node) => node.ip).filter(Boolean);
  return (
    <section className="card" aria-labelledby="details-heading">
      <h2 id="details-heading">Details</h2>
      <dl className="facts app-facts">
        <div>
          <dt>Source</dt>
          <dd>
            <code>{sourceOf(app)}</code>
          </dd>
        </div>
        <div>
          <dt>Cluster</dt>
          <dd>
            <Link href={hrefFor({ page: 'cluster', clusterId: app.clusterId })}>
              {cluster?.name ?? app.clusterId}
            </Link>
          </dd>
        </div>
        <div>
          <dt>Port</dt>
          <dd>{app.port ?? '—'}</dd>
        </div>
        <div>
          <dt>Published port</dt>
          <dd data-testid="published-port">{app.publishedPort ?? '—'}</dd>
        </div>
        <div>
          <dt>Replicas asked for</dt>
          <dd>{app.replicas}</dd>
        </div>
        <div>
          <dt>Service</dt>
          <dd>
            <code>{app.serviceName}</code>
          </dd>
        </div>
        <div>
          <dt>Last deploy</dt>
          <dd>{formatTime(app.lastDeployAt)}</dd>
        </div>
        {app.domain && (
          <div>
            <dt>Domain</dt>
            <dd>{app.domain}</dd>
          </div>
        )}
      </dl>
      {app.publishedPort && addresses.length > 0 && (
        <p className="muted">
          Reached at{' '}
          {addresses.map((ip, index) => (
            <span key={ip}>
              {index > 0 && ', '}
              <code>
                {ip}:{app.publishedPort}
              </code>
            </span>
          ))}{' '}
          (every node in routing-mesh mode; the nodes running a task in host mode).
        </p>
      )}
    </section>
  );
}

function RemoveSection({ app }: { app: App }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [typed, setTyped] = useState('');
  const remove = useMutation(
    trpc.app.remove.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.app.all.pathKey() });
        navigate(hrefFor({ page: 'apps', clusterId: app.clusterId }));
      },
    }),
  );
  if (app.status === 'deleting') {
    return (
      <p className="muted">
        This app is being removed: its service and everything made for it leave the cluster.
      </p>
    );
  }
  const matches = typed === app.name;
  return (
    <section className="card" aria-labelledby="remove-heading">
      <h2 id="remove-heading">Remove this app</h2>
      <p className="muted">
        Its service, tasks, configs and secrets leave the cluster and its published port is freed.
        This cannot be undone.
      </p>
      <ErrorNotice error={remove.error} />
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (matches) remove.mutate({ appId: app.id });
        }}
        noValidate
      >
        <div className="row">
          <Field label={`Type “${app.name}” to confirm`}>
            {(props) => (
              <input
                {...props}
                value={typed}
                onChange={(event) => setTyped(event.target.value)}
                autoComplete="off"
                spellCheck={false}
              />
            )}
          </Field>
          <button
            type="submit"
            className="button button-danger"
            disabled={!matches || remove.isPending}
          >
            {remove.isPending ? 'Removing…' : 'Remove app'}
          </button>
        </div>
      </form>
    </section>
  );
}
