import { skipToken, useQuery } from '@tanstack/react-query';
import { DetailStates } from '../components/detail-states.tsx';
import { Link } from '../components/link.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { type AppTab, hrefFor } from '../route.ts';
import { useTRPC } from '../trpc.ts';
import { AuditSection } from './app/audit.tsx';
import { DeploymentsSection } from './app/deployments.tsx';
import { EnvSection } from './app/env.tsx';
import { LogsSection } from './app/logs.tsx';
import { OverviewSection } from './app/overview.tsx';
import { inFlight, settlingApp } from './app/types.ts';

const tabs: { tab: AppTab; label: string }[] = [
  { tab: 'overview', label: 'Overview' },
  { tab: 'logs', label: 'Logs' },
  { tab: 'deployments', label: 'Deployments' },
  { tab: 'environment', label: 'Environment' },
  { tab: 'audit', label: 'Audit' },
];

export function AppPage({ appId, tab }: { appId: string; tab: AppTab }) {
  const trpc = useTRPC();
  // The worker moves apps and deployments along; the page follows closely while it does.
  const deployments = useQuery({
    ...trpc.app.deployments.queryOptions({ appId, limit: 50 }),
    refetchInterval: (query) =>
      query.state.data?.some((d) => inFlight.has(d.status)) ? 1_500 : 10_000,
  });
  const busy = deployments.data?.some((d) => inFlight.has(d.status)) ?? false;
  const app = useQuery({
    ...trpc.app.one.queryOptions({ appId }),
    refetchInterval: (query) =>
      busy || (query.state.data && settlingApp.has(query.state.data.status)) ? 1_500 : 10_000,
  });
  const cluster = useQuery(
    trpc.cluster.one.queryOptions(app.data ? { clusterId: app.data.clusterId } : skipToken),
  );

  if (!app.isSuccess) {
    return (
      <DetailStates
        query={app}
        noun="app"
        gone="removed"
        back={<Link href={hrefFor({ page: 'apps' })}>All apps</Link>}
      />
    );
  }

  const detail = app.data;
  return (
    <>
      <p className="breadcrumb">
        <Link href={hrefFor({ page: 'apps' })}>Apps</Link> /{' '}
        <Link href={hrefFor({ page: 'apps', clusterId: detail.clusterId })}>
          {cluster.data?.name ?? 'cluster'}
        </Link>{' '}
        /
      </p>
      <div className="page-header">
        <h1>
          {detail.name} <StatusBadge status={detail.status} />
        </h1>
      </div>
      {detail.statusReason && detail.status !== 'running' && (
        <p
          className={detail.status === 'failed' ? 'notice notice-error' : 'muted'}
          data-testid="app-status-reason"
        >
          {detail.statusReason}
        </p>
      )}
      <nav className="tabs" aria-label="App">
        {tabs.map((entry) => (
          <Link
            key={entry.tab}
            href={hrefFor({ page: 'app', appId, tab: entry.tab })}
            aria-current={entry.tab === tab ? 'page' : undefined}
          >
            {entry.label}
          </Link>
        ))}
      </nav>
      {tab === 'overview' && (
        <OverviewSection app={detail} deployments={deployments.data ?? []} cluster={cluster.data} />
      )}
      {tab === 'logs' && <LogsSection app={detail} />}
      {tab === 'deployments' && <DeploymentsSection app={detail} deployments={deployments} />}
      {tab === 'environment' && <EnvSection app={detail} />}
      {tab === 'audit' && <AuditSection app={detail} />}
    </>
  );
}
