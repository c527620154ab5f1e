import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useEffect, useState } from 'react';
import { DetailStates } from '../components/detail-states.tsx';
import { Link } from '../components/link.tsx';
import { LiveStatus, useThrottled } from '../components/live.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { hrefFor } from '../route.ts';
import { useTRPC } from '../trpc.ts';
import { AccessSection } from './cluster/access.tsx';
import { ClusterAppsSection } from './cluster/apps.tsx';
import { DangerZone, RenameForm } from './cluster/danger.tsx';
import { KubeconfigButton } from './cluster/kubeconfig.tsx';
import { ProvisioningLog } from './cluster/log.tsx';
import { NodesSection } from './cluster/nodes.tsx';
import type { LogLine } from './cluster/types.ts';

export function ClusterPage({ clusterId }: { clusterId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [liveLines, setLiveLines] = useState<LogLine[]>([]);

  // Status events change the cluster; log lines often mean a change without one (a removed
  // node's row is gone when its last line is written). Re-read it, at most every 300 ms.
  const refreshCluster = useThrottled(() => {
    void queryClient.invalidateQueries({ queryKey: trpc.cluster.one.queryKey({ clusterId }) });
    void queryClient.invalidateQueries({ queryKey: trpc.cluster.all.pathKey() });
  }, 300);

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

  if (!cluster.isSuccess) {
    return (
      <DetailStates
        query={cluster}
        noun="cluster"
        gone="deleted"
        back={<Link href={hrefFor({ page: 'clusters' })}>All clusters</Link>}
      />
    );
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
        <LiveStatus
          status={events.status}
          unavailable="Live updates unavailable: refreshing every 3 s"
        />
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
      <ClusterAppsSection cluster={detail} />
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
