// The search box of the layout: what the caller may see of the organization — clusters, nodes,
// apps, databases, stacks — by name or part of one (search.query), shown as links while typing; Enter opens
// the results page.
import { keepPreviousData, skipToken, useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { useOrganization } from '../organization.tsx';
import { hrefFor, navigate, type Route } from '../route.ts';
import { type Outputs, useTRPC } from '../trpc.ts';
import { Link } from './link.tsx';

export type SearchHit = Outputs['search']['query'][number];

export function hitRoute(hit: SearchHit): Route {
  switch (hit.kind) {
    case 'app':
      return { page: 'app', appId: hit.id, tab: 'overview' };
    case 'stack':
      return { page: 'stack', stackId: hit.id, tab: 'definition' };
    default:
      return { page: 'cluster', clusterId: hit.clusterId };
  }
}

export function HitLabel({ hit }: { hit: SearchHit }) {
  return (
    <>
      <span className="badge">{hit.kind}</span> {hit.name}
      {hit.kind !== 'cluster' && <span className="muted"> on {hit.clusterName}</span>}
    </>
  );
}

function useDebounced(value: string, ms: number): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export function SearchBox() {
  const trpc = useTRPC();
  const { organization } = useOrganization();
  const id = useId();
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const q = useDebounced(text.trim(), 250);
  const results = useQuery({
    ...trpc.search.query.queryOptions(
      q ? { organizationId: organization.id, q, limit: 8 } : skipToken,
    ),
    placeholderData: keepPreviousData,
  });
  const hits = q ? (results.data ?? []) : [];

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!text.trim()) return;
    setOpen(false);
    navigate(hrefFor({ page: 'search', q: text.trim() }));
  }

  return (
    <search className="search-box">
      <form
        onSubmit={submit}
        onBlur={(event) => {
          if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setOpen(false);
        }}
      >
        <label className="visually-hidden" htmlFor={`${id}-q`}>
          Search clusters, nodes, apps, databases and stacks
        </label>
        <input
          id={`${id}-q`}
          type="search"
          placeholder="Search…"
          autoComplete="off"
          value={text}
          aria-controls={`${id}-results`}
          onFocus={() => setOpen(true)}
          onChange={(event) => {
            setText(event.target.value);
            setOpen(true);
          }}
          onKeyDown={(event) => {
            if (event.key === 'Escape') setOpen(false);
          }}
        />
        <div
          id={`${id}-results`}
          className="search-results"
          aria-live="polite"
          hidden={!open || !q}
        >
          {q && results.isSuccess && hits.length === 0 && <p className="muted">Nothing found</p>}
          {hits.length > 0 && (
            <ul aria-label="Search results">
              {hits.map((hit) => (
                <li key={`${hit.kind}:${hit.id}`}>
                  <Link href={hrefFor(hitRoute(hit))} onClick={() => setOpen(false)}>
                    <HitLabel hit={hit} />
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </div>
      </form>
    </search>
  );
}
