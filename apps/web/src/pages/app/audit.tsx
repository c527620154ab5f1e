// What was done to the app, by whom, newest first (app.audit), including reads of its secrets.
import { useInfiniteQuery } from '@tanstack/react-query';
import { ListStates } from '../../components/list.tsx';
import { OlderEntries } from '../../components/pager.tsx';
import { Empty } from '../../components/states.tsx';
import { Table } from '../../components/table.tsx';
import { useTRPC, useTRPCClient } from '../../trpc.ts';
import { formatTime } from './format.ts';
import type { App } from './types.ts';

const pageSize = 50;

export function AuditSection({ app }: { app: App }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  // app.audit pages with `before` (the last entry's id), not tRPC's `cursor`: paged by hand,
  // under the procedure's own key so invalidating app.audit reaches it.
  const entries = useInfiniteQuery({
    queryKey: [...trpc.app.audit.pathKey(), { appId: app.id, type: 'pages' }],
    queryFn: ({ pageParam }) =>
      client.app.audit.query({
        appId: app.id,
        limit: pageSize,
        ...(pageParam ? { before: pageParam } : {}),
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => (last.length === pageSize ? last.at(-1)?.id : undefined),
    refetchInterval: 10_000,
  });
  const items = entries.data?.pages.flat() ?? [];
  return (
    <section className="card" aria-labelledby="app-audit-heading">
      <h2 id="app-audit-heading">Audit</h2>
      <ListStates query={entries} loading="Loading the audit log…" empty={items.length === 0}>
        <Empty title="Nothing recorded yet" />
      </ListStates>
      {items.length > 0 && (
        <Table columns={['When', 'Action', 'Outcome', 'Who', 'Details']}>
          {items.map((entry) => (
            <tr key={entry.id} data-audit-action={entry.action}>
              <td data-label="When">
                <time dateTime={entry.createdAt}>{formatTime(entry.createdAt)}</time>
              </td>
              <td data-label="Action">
                <code>{entry.action}</code>
              </td>
              <td data-label="Outcome">
                <span className={`badge badge-${entry.outcome === 'success' ? 'ok' : 'bad'}`}>
                  {entry.outcome}
                </span>
              </td>
              <td data-label="Who">{entry.user ?? '—'}</td>
              <td data-label="Details">{entry.details ?? ''}</td>
            </tr>
          ))}
        </Table>
      )}
      <OlderEntries entries={entries} />
    </section>
  );
}
