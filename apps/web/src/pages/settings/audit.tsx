import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ListStates } from '../../components/list.tsx';
import { OlderEntries } from '../../components/pager.tsx';
import { Empty } from '../../components/states.tsx';
import { Table } from '../../components/table.tsx';
import { useOrganization } from '../../organization.tsx';
import { useTRPC } from '../../trpc.ts';

export function AuditTab() {
  const trpc = useTRPC();
  const { organization } = useOrganization();
  const [action, setAction] = useState('');
  const entries = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(
      { organizationId: organization.id, limit: 50, ...(action ? { action } : {}) },
      {
        getNextPageParam: (last) => (last.nextCursor ? Number(last.nextCursor) : undefined),
      },
    ),
  );
  const items = entries.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <section aria-labelledby="audit-heading">
      <h2 id="audit-heading">Audit log</h2>
      <p className="muted">
        Every change in {organization.name}: who, what, when and how it ended.
      </p>
      <div className="toolbar">
        <div className="field">
          <label htmlFor="audit-action">Action</label>
          <input
            id="audit-action"
            placeholder="cluster.create"
            value={action}
            onChange={(event) => setAction(event.target.value.trim())}
          />
        </div>
      </div>
      <ListStates query={entries} loading="Loading audit log…" empty={items.length === 0}>
        <Empty title="Nothing recorded yet" />
      </ListStates>
      {items.length > 0 && (
        <Table columns={['When', 'Action', 'Outcome', 'Actor', 'Target', 'From']}>
          {items.map((entry) => (
            <tr key={entry.id} data-action={entry.action}>
              <td data-label="When">
                <time dateTime={entry.createdAt}>{new Date(entry.createdAt).toLocaleString()}</time>
              </td>
              <td data-label="Action">
                <code>{entry.action}</code>
              </td>
              <td data-label="Outcome">
                <span className={`badge badge-${entry.outcome === 'success' ? 'ok' : 'bad'}`}>
                  {entry.outcome}
                  {entry.errorCode ? ` · ${entry.errorCode}` : ''}
                </span>
              </td>
              <td data-label="Actor">{entry.actorId ?? '—'}</td>
              <td data-label="Target">
                {entry.targetType ? `${entry.targetType} ${entry.targetId ?? ''}` : '—'}
              </td>
              <td data-label="From">{entry.ip ?? '—'}</td>
            </tr>
          ))}
        </Table>
      )}
      <OlderEntries entries={entries} />
    </section>
  );
}
