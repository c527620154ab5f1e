import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useEffect, useRef, useState } from 'react';
import { Link } from '../components/link.tsx';
import { Empty, ErrorNotice, Loading } from '../components/states.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { hrefFor } from '../route.ts';
import { errorCode, type Outputs, useTRPC } from '../trpc.ts';
import { AccessSection } from './cluster/access.tsx';
import { DangerZone, RenameForm } from './cluster/danger.tsx';
import { KubeconfigButton } from './cluster/kubeconfig.tsx';
import { ProvisioningLog } from './cluster/log.tsx';
import { NodesSection } from './cluster/nodes.tsx';

export type ClusterDetail = Outputs['cluster']['one'];
export type LogLine = Outputs['cluster']['logs']['items'][number];

export function ClusterPage({ clusterId }: { clusterId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [liveLines, setLiveLines] = useState<LogLine[]>([]);

  // Status events change the cluster; log lines often mean a change without one (a removed
  // node's row is gone when its last line is written). Re-read it, at most every 300 ms.
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(refreshTimer.current), []);
  function refreshCluster() {
    if (refreshTimer.current) return;
    refreshTimer.current = setTimeout(() => {
      refreshTimer.current = undefined;
      void queryClient.invalidateQueries({ queryKey: trpc.cluster.one.queryKey({ clusterId }) });
      void queryClient.invalidateQueries({ queryKey: trpc.cluster.all.pathKey() });
    }, 300);
  }

  const events = useSubscription(
    trpc.cluster.events.subscriptionOptions(
      { clusterId },
      {
        onData: (event) => {
          if (event.kind === 'log') {
            const { at, kind: _kind, clusterId: _clusterId, ...line } = event;
            setLiveLines((lines) => [...lines, { ...line, createdAt: at }]);
          }
          refreshCluster();
        },
      },
    ),
  );
  const live = events.status === 'pending';
  // Each time the stream (re)connects, read once what happened while nobody was listening.
  useEffect(() => {
    if (!live) return;
    void queryClient.invalidateQueries({ queryKey: trpc.cluster.one.queryKey({ clusterId }) });
    void queryClient.invalidateQueries({ queryKey: trpc.cluster.logs.pathKey() });
  }, [live, clusterId, queryClient, trpc]);

  const cluster = useQuery({
    ...trpc.cluster.one.queryOptions({ clusterId }),
    // Without the event stream, fall back to asking every few seconds.
    refetchInterval: live ? false : 3_000,
  });

  if (cluster.isPending) return <Loading label="Loading cluster…" />;
  if (cluster.isError) {
    if (errorCode(cluster.error) === 'NOT_FOUND') {
      return (
        <Empty title="This cluster does not exist (any more)">
          <p>
            It may have been deleted. <Link href={hrefFor({ page: 'clusters' })}>All clusters</Link>
          </p>
        </Empty>
      );
    }
    return <ErrorNotice error={cluster.error} retry={() => cluster.refetch()} />;
  }

  const detail = cluster.data;
  return (
    <>
      <p className="breadcrumb">
        <Link href={hrefFor({ page: 'clusters' })}>Clusters</Link> /
      </p>
      <div className="page-header">
        <h1>
          {detail.name} <StatusBadge status={detail.status} />
        </h1>
        <span className="muted" role="status" aria-live="polite">
          {live
            ? 'Live'
            : events.status === 'error'
              ? 'Live updates unavailable: refreshing every 3 s'
              : 'Connecting…'}
        </span>
      </div>
      {detail.statusReason && detail.status !== 'running' && (
        <p className={detail.status === 'error' ? 'notice notice-error' : 'muted'}>
          {detail.statusReason}
        </p>
      )}
      <section className="card" aria-label="Overview">
        <dl className="facts">
          <div>
            <dt>Provider</dt>
            <dd>{detail.provider}</dd>
          </div>
          <div>
            <dt>Region</dt>
            <dd>{detail.region}</dd>
          </div>
          <div>
            <dt>Orchestrator</dt>
            <dd>{detail.orchestrator}</dd>
          </div>
          <div>
            <dt>Nodes</dt>
            <dd>{detail.nodes.length}</dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>{new Date(detail.createdAt).toLocaleString()}</dd>
          </div>
        </dl>
        {detail.orchestrator === 'kubernetes' && <KubeconfigButton cluster={detail} />}
      </section>
      <NodesSection cluster={detail} />
      <ProvisioningLog cluster={detail} liveLines={liveLines} />
      <AccessSection clusterId={detail.id} />
      <section className="card" aria-labelledby="settings-heading">
        <h2 id="settings-heading">Settings</h2>
        <RenameForm cluster={detail} />
        <DangerZone cluster={detail} />
      </section>
    </>
  );
}
