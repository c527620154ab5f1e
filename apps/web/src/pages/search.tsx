// Everything of the organization the caller may see whose name matches, best first.
import { skipToken, useQuery } from '@tanstack/react-query';
import { Link } from '../components/link.tsx';
import { HitLabel, hitRoute } from '../components/search-box.tsx';
import { Empty, ErrorNotice, Loading } from '../components/states.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useOrganization } from '../organization.tsx';
import { hrefFor } from '../route.ts';
import { useTRPC } from '../trpc.ts';

export function SearchPage({ q }: { q: string }) {
  const trpc = useTRPC();
  const { organization } = useOrganization();
  const results = useQuery(
    trpc.search.query.queryOptions(
      q.trim() ? { organizationId: organization.id, q: q.trim(), limit: 50 } : skipToken,
    ),
  );
  const hits = results.data ?? [];
  return (
    <>
      <div className="page-header">
        <h1>Search: {q}</h1>
      </div>
      <ErrorNotice error={results.error} retry={() => results.refetch()} />
      {results.isLoading && <Loading label="Searching…" />}
      {results.isSuccess && hits.length === 0 && (
        <Empty title="Nothing found">
          <p>
            Names and parts of names of clusters, nodes, apps, databases and stacks are searched.
          </p>
        </Empty>
      )}
      {hits.length > 0 && (
        <ul className="key-list" aria-label="Results" data-testid="search-results">
          {hits.map((hit) => (
            <li key={`${hit.kind}:${hit.id}`} data-hit={`${hit.kind}:${hit.name}`}>
              <Link href={hrefFor(hitRoute(hit))}>
                <HitLabel hit={hit} />
              </Link>{' '}
              <StatusBadge status={hit.status} />
              {hit.detail && <span className="muted"> {hit.detail}</span>}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
