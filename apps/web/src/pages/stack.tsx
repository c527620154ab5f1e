// One stack: its definition (a compose file, edited and checked here), its runs (followed live
// over stack.events) and its versions (compared, restored).
import { skipToken, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useEffect, useState } from 'react';
import { DetailStates } from '../components/detail-states.tsx';
import { Link } from '../components/link.tsx';
import { LiveStatus, useThrottled } from '../components/live.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { hrefFor, type StackTab } from '../route.ts';
import { useTRPC } from '../trpc.ts';
import { DefinitionSection } from './stack/definition.tsx';
import { type LiveLine, RunsSection } from './stack/runs.tsx';
import { runInFlight } from './stack/types.ts';
import { VersionsSection } from './stack/versions.tsx';

const tabs: { tab: StackTab; label: string }[] = [
  { tab: 'definition', label: 'Definition' },
  { tab: 'runs', label: 'Runs' },
  { tab: 'versions', label: 'Versions' },
];

export function StackPage({ stackId, tab }: { stackId: string; tab: StackTab }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [liveLines, setLiveLines] = useState<LiveLine[]>([]);

  // A run's status changes re-read the stack and its runs (at most every 300 ms); its log lines
  // are shown as they arrive.
  const refresh = useThrottled(() => {
    void queryClient.invalidateQueries({ queryKey: trpc.stack.one.queryKey({ stackId }) });
    void queryClient.invalidateQueries({ queryKey: trpc.stack.runs.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.stack.versions.pathKey() });
  }, 300);
  const events = useSubscription(
    trpc.stack.events.subscriptionOptions(
      { stackId },
      {
        onData: (event) => {
          if (event.kind === 'stackLog') {
            const { kind: _kind, stackId: _stackId, ...line } = event;
            setLiveLines((lines) => [...lines, line]);
          } else {
            refresh();
          }
        },
      },
    ),
  );
  const live = events.status === 'pending';
  useEffect(() => {
    if (!live) return;
    void queryClient.invalidateQueries({ queryKey: trpc.stack.one.queryKey({ stackId }) });
    void queryClient.invalidateQueries({ queryKey: trpc.stack.run.pathKey() });
  }, [live, stackId, queryClient, trpc]);

  const stack = useQuery({
    ...trpc.stack.one.queryOptions({ stackId }),
    refetchInterval: (query) => {
      const data = query.state.data;
      const busy =
        data && (data.removing || (data.lastRun && runInFlight.has(data.lastRun.status)));
      return busy && !live ? 2_000 : false;
    },
  });
  const cluster = useQuery(
    trpc.cluster.one.queryOptions(stack.data ? { clusterId: stack.data.clusterId } : skipToken),
  );

  if (!stack.isSuccess) {
    return (
      <DetailStates
        query={stack}
        noun="stack"
        gone="removed"
        back={<Link href={hrefFor({ page: 'stacks' })}>All stacks</Link>}
      />
    );
  }
  const detail = stack.data;
  return (
    <>
      <p className="breadcrumb">
        <Link href={hrefFor({ page: 'stacks' })}>Stacks</Link> /{' '}
        <Link href={hrefFor({ page: 'cluster', clusterId: detail.clusterId })}>
          {cluster.data?.name ?? 'cluster'}
        </Link>{' '}
        /
      </p>
      <div className="page-header">
        <h1>
          {detail.name} <StatusBadge status={detail.status} />
        </h1>
        <LiveStatus status={events.status} unavailable="Live updates unavailable" />
      </div>
      {detail.removing && (
        <p className="notice">Being removed: its services are taken off the cluster.</p>
      )}
      {detail.description && <p className="muted">{detail.description}</p>}
      <section className="card" aria-label="Overview">
        <dl className="facts">
          <div>
            <dt>On the cluster as</dt>
            <dd>
              <code>{detail.stackName}</code>
            </dd>
          </div>
          <div>
            <dt>Version running</dt>
            <dd data-testid="current-version">{detail.currentVersion ?? 'none yet'}</dd>
          </div>
          <div>
            <dt>Last run</dt>
            <dd>
              {detail.lastRun ? (
                <>
                  <StatusBadge status={detail.lastRun.status} /> #{detail.lastRun.ordinal}
                </>
              ) : (
                'never deployed'
              )}
            </dd>
          </div>
          <div>
            <dt>Services</dt>
            <dd>{detail.services.map((s) => s.name).join(', ') || '—'}</dd>
          </div>
        </dl>
      </section>
      <nav className="tabs" aria-label="Stack">
        {tabs.map((entry) => (
          <Link
            key={entry.tab}
            href={hrefFor({ page: 'stack', stackId, tab: entry.tab })}
            aria-current={entry.tab === tab ? 'page' : undefined}
          >
            {entry.label}
          </Link>
        ))}
      </nav>
      {tab === 'definition' && <DefinitionSection stack={detail} />}
      {tab === 'runs' && <RunsSection stack={detail} liveLines={liveLines} />}
      {tab === 'versions' && <VersionsSection stack={detail} />}
    </>
  );
}
