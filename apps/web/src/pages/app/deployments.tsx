// Every deployment of the app, newest first, with what it applied and how it ended: roll back to
// one that served, cancel one under way. Built apps show their build's output below, followed
// while the build runs.
import {
  keepPreviousData,
  type UseQueryResult,
  useMutation,
  useQuery,
} from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Empty, ErrorNotice, Loading, Notice } from '../../components/states.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { Table } from '../../components/table.tsx';
import { type Outputs, useTRPC } from '../../trpc.ts';
import { formatTime, shortDigest } from './format.ts';
import { CancelButton, useRefreshApp } from './overview.tsx';
import { type App, type Deployment, inFlight } from './types.ts';

type BuildLogLine = Outputs['app']['buildLog']['lines'][number];

const pageLines = 1_000;

export function DeploymentsSection({
  app,
  deployments,
}: {
  app: App;
  deployments: UseQueryResult<Deployment[], unknown>;
}) {
  const trpc = useTRPC();
  const refresh = useRefreshApp(app.id);
  const rollback = useMutation(trpc.app.rollback.mutationOptions({ onSettled: refresh }));
  const rows = deployments.data ?? [];
  const busy = rows.some((d) => inFlight.has(d.status));
  const byId = new Map(rows.map((d) => [d.id, d]));

  return (
    <>
      <section className="card" aria-labelledby="deployments-heading">
        <h2 id="deployments-heading">Deployment history</h2>
        {rollback.isSuccess && (
          <Notice>
            Deployment #{rollback.data.ordinal} queued: it applies #
            {byId.get(rollback.data.sourceDeploymentId ?? '')?.ordinal ?? '?'} again, no rebuild.
          </Notice>
        )}
        <ErrorNotice
          error={deployments.error ?? rollback.error}
          retry={deployments.error ? () => deployments.refetch() : undefined}
        />
        {deployments.isPending && <Loading label="Loading deployments…" />}
        {deployments.isSuccess && rows.length === 0 && <Empty title="Never deployed yet" />}
        {rows.length > 0 && (
          <Table columns={['#', 'Status', 'Image', 'Trigger', 'By', 'Started', 'Finished']} actions>
            {rows.map((deployment) => (
              <tr
                key={deployment.id}
                data-deployment={deployment.ordinal}
                data-status={deployment.status}
              >
                <td data-label="#">{deployment.ordinal}</td>
                <td data-label="Status">
                  <StatusBadge status={deployment.status} />
                  {deployment.reason && deployment.status !== 'active' && (
                    <p className="muted deployment-reason">{deployment.reason}</p>
                  )}
                </td>
                <td data-label="Image">
                  <code>
                    {deployment.image ?? (inFlight.has(deployment.status) ? 'being built' : '—')}
                  </code>
                  {deployment.imageDigest && (
                    <span className="muted"> {shortDigest(deployment.imageDigest)}</span>
                  )}
                </td>
                <td data-label="Trigger">
                  {deployment.trigger}
                  {deployment.sourceDeploymentId &&
                    ` of #${byId.get(deployment.sourceDeploymentId)?.ordinal ?? '?'}`}
                </td>
                <td data-label="By">{deployment.createdBy?.name ?? '—'}</td>
                <td data-label="Started">{formatTime(deployment.startedAt)}</td>
                <td data-label="Finished">{formatTime(deployment.finishedAt)}</td>
                <td data-label="Actions">
                  {deployment.status === 'superseded' && (
                    <button
                      type="button"
                      className="button button-small"
                      disabled={busy || rollback.isPending || app.status === 'deleting'}
                      onClick={() =>
                        rollback.mutate({ appId: app.id, deploymentId: deployment.id })
                      }
                    >
                      Roll back to #{deployment.ordinal}
                    </button>
                  )}
                  {inFlight.has(deployment.status) && !deployment.cancelRequestedAt && (
                    <CancelButton app={app} deployment={deployment} />
                  )}
                  {deployment.cancelRequestedAt && inFlight.has(deployment.status) && (
                    <span className="muted">cancelling…</span>
                  )}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </section>
      {app.sourceType !== 'image' && <BuildLogSection app={app} />}
    </>
  );
}

/**
 * The latest build's output. While it runs (or while pages of it remain), only the lines after
 * the last one seen are asked for, every second (app.buildLog's `afterId`); otherwise the latest
 * build is looked up every 10 s, so a new build replaces the old log.
 */
function BuildLogSection({ app }: { app: App }) {
  const trpc = useTRPC();
  const [shown, setShown] = useState<{ buildId: string | null; lines: BuildLogLine[] }>({
    buildId: null,
    lines: [],
  });
  const [following, setFollowing] = useState(false);
  const listRef = useRef<HTMLOListElement>(null);
  const lastId = shown.lines.at(-1)?.id;
  const log = useQuery({
    ...trpc.app.buildLog.queryOptions({
      appId: app.id,
      limit: pageLines,
      ...(following && shown.buildId && lastId ? { buildId: shown.buildId, afterId: lastId } : {}),
    }),
    placeholderData: keepPreviousData,
    refetchInterval: following ? 1_000 : 10_000,
  });

  useEffect(() => {
    const data = log.data;
    if (!data?.build) return;
    const build = data.build;
    const running = build.status === 'queued' || build.status === 'running';
    setShown((current) => {
      if (build.id !== current.buildId) return { buildId: build.id, lines: data.lines };
      const seen = new Set(current.lines.map((line) => line.id));
      const fresh = data.lines.filter((line) => !seen.has(line.id));
      return fresh.length > 0 ? { ...current, lines: [...current.lines, ...fresh] } : current;
    });
    // A full page means there may be more to read, whatever the build's state.
    setFollowing(running || data.lines.length === pageLines);
  }, [log.data]);

  const lines = shown.lines;
  useEffect(() => {
    const list = listRef.current;
    if (list && lines.length > 0) list.scrollTop = list.scrollHeight;
  }, [lines.length]);

  const build = log.data?.build;
  return (
    <section className="card" aria-labelledby="build-log-heading">
      <div className="page-header">
        <h2 id="build-log-heading">Build log</h2>
        {build && (
          <span className="muted">
            <StatusBadge status={build.status === 'running' ? 'building' : build.status} />{' '}
            {build.commit ? `commit ${build.commit.slice(0, 12)}` : build.source}
          </span>
        )}
      </div>
      <ErrorNotice error={log.error} retry={() => log.refetch()} />
      {log.isPending && <Loading label="Loading the build log…" />}
      {log.isSuccess && !build && <Empty title="Nothing built yet" />}
      {build?.reason && build.status === 'failed' && (
        <p className="notice notice-error">{build.reason}</p>
      )}
      {build && lines.length === 0 && <p className="muted">No output yet.</p>}
      {lines.length > 0 && (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the log scrolls; keyboard users need to reach it
        <ol className="log" ref={listRef} tabIndex={0} aria-label="Build log lines">
          {lines.map((line) => (
            <li key={line.id} className={`level-${line.level}`}>
              <time dateTime={line.at}>{new Date(line.at).toLocaleTimeString()}</time>
              <span className="log-step">{line.level}</span>
              <span>{line.message}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
