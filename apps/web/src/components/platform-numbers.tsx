// What runs for the organization, on the home page (platform.stats): running tasks are counted on
// the clusters' servers (each count at most 15 s old), so they are said to be unknown for the
// clusters no manager answered for, never shown as zero.
import { useQuery } from '@tanstack/react-query';
import { useOrganization } from '../organization.tsx';
import { useTRPC } from '../trpc.ts';

export function PlatformNumbers() {
  const trpc = useTRPC();
  const { organization } = useOrganization();
  const stats = useQuery({
    ...trpc.platform.stats.queryOptions({ organizationId: organization.id }),
    refetchInterval: 15_000,
  });
  if (!stats.data) return null;
  const { clusters, nodes, apps, deployments, runningTasks, uncountedClusters, databases } =
    stats.data;
  const nodeDetail = [
    nodes.draining ? `${nodes.draining} draining` : '',
    nodes.down ? `${nodes.down} down` : '',
    nodes.notReady ? `${nodes.notReady} not ready` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const items: { label: string; value: number; detail?: string }[] = [
    { label: 'Clusters', value: clusters },
    { label: 'Nodes', value: nodes.total, detail: nodeDetail || (nodes.total ? 'all ready' : '') },
    { label: 'Apps', value: apps },
    {
      label: 'Running tasks',
      value: runningTasks,
      detail: uncountedClusters
        ? `${uncountedClusters} cluster${uncountedClusters === 1 ? '' : 's'} not counted`
        : 'counted on the servers',
    },
    { label: 'Deployments', value: deployments },
    { label: 'Databases', value: databases },
  ];
  return (
    <section aria-labelledby="platform-numbers-heading">
      <h2 id="platform-numbers-heading" className="visually-hidden">
        {organization.name} in numbers
      </h2>
      <dl className="platform-numbers">
        {items.map((item) => (
          <div key={item.label} data-stat={item.label}>
            <dt>{item.label}</dt>
            <dd>
              <span className="platform-number">{item.value}</span>
              {item.detail && <span className="muted">{item.detail}</span>}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
