// The cluster's apps, and whether it is where new apps go when none is named (the
// organization's default cluster: cluster.setDefault, for owners and admins).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '../../components/link.tsx';
import { ErrorNotice } from '../../components/states.tsx';
import { useOrganization } from '../../organization.tsx';
import { hrefFor } from '../../route.ts';
import { useTRPC } from '../../trpc.ts';
import { AppsTable } from '../apps.tsx';
import type { ClusterDetail } from './types.ts';

export function ClusterAppsSection({ cluster }: { cluster: ClusterDetail }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { organization } = useOrganization();
  const org = useQuery(trpc.organization.one.queryOptions({ organizationId: organization.id }));
  const setDefault = useMutation(
    trpc.cluster.setDefault.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.organization.one.pathKey() }),
    }),
  );
  const isDefault = org.data?.defaultClusterId === cluster.id;
  const mayChoose = organization.role === 'owner' || organization.role === 'admin';

  return (
    <section className="card" aria-labelledby="cluster-apps-heading">
      <div className="page-header">
        <h2 id="cluster-apps-heading">Apps</h2>
        <div className="actions">
          {isDefault ? (
            <span className="badge badge-ok" data-testid="default-cluster">
              default cluster
            </span>
          ) : (
            mayChoose &&
            org.isSuccess && (
              <button
                type="button"
                className="button button-small"
                disabled={setDefault.isPending}
                onClick={() => setDefault.mutate({ clusterId: cluster.id })}
              >
                {setDefault.isPending ? 'Saving…' : 'Make default cluster'}
              </button>
            )
          )}
          <Link
            className="button button-small button-primary"
            href={hrefFor({ page: 'createApp', clusterId: cluster.id })}
          >
            New app here
          </Link>
        </div>
      </div>
      <p className="muted">
        {isDefault
          ? 'Apps created without naming a cluster go here.'
          : 'Apps created without naming a cluster go to the organization’s default cluster.'}
      </p>
      <ErrorNotice error={setDefault.error} />
      <AppsTable clusterId={cluster.id} showCluster={false} />
    </section>
  );
}
