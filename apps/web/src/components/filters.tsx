// The filters above the lists of apps, stacks and databases: which cluster (in the URL) and
// which status (in the page's state).
import { useQuery } from '@tanstack/react-query';
import { useOrganization } from '../organization.tsx';
import { hrefFor, navigate } from '../route.ts';
import { useTRPC } from '../trpc.ts';

/** The organization's clusters by id, for names and for the cluster pickers. */
export function useClusters() {
  const trpc = useTRPC();
  const { organization } = useOrganization();
  return useQuery(
    trpc.cluster.all.queryOptions({
      organizationId: organization.id,
      limit: 100,
      sort: 'name',
      order: 'asc',
    }),
  );
}

/** Picks the cluster a list shows (or all of them) by changing the page's URL. */
export function ClusterFilter({
  page,
  clusterId,
}: {
  page: 'apps' | 'stacks' | 'databases';
  clusterId?: string;
}) {
  const clusters = useClusters();
  return (
    <div className="field">
      <label htmlFor={`${page}-cluster`}>Cluster</label>
      <select
        id={`${page}-cluster`}
        value={clusterId ?? ''}
        onChange={(event) =>
          navigate(hrefFor({ page, clusterId: event.target.value || undefined }), {
            replace: true,
          })
        }
      >
        <option value="">All clusters</option>
        {(clusters.data ?? []).map((cluster) => (
          <option key={cluster.id} value={cluster.id}>
            {cluster.name}
          </option>
        ))}
      </select>
    </div>
  );
}

/** One status of the list's kind, or any ('' ). */
export function StatusFilter<S extends string>({
  id,
  options,
  value,
  onChange,
}: {
  id: string;
  options: readonly S[];
  value: S | '';
  onChange: (status: S | '') => void;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>Status</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value as S | '')}>
        <option value="">Any status</option>
        {options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </div>
  );
}
