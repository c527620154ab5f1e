// The stack's runs, newest first, with how each service ended; the selected run's log, read once
// and then followed live (lines arrive over stack.events while the run is under way).
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Empty, ErrorNotice, Loading } from '../../components/states.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { Table } from '../../components/table.tsx';
import { type Outputs, useTRPC } from '../../trpc.ts';
import { formatTime } from '../app/format.ts';
import { runInFlight, type Stack, type StackRun } from './types.ts';

type LogLine = Outputs['stack']['run']['log'][number];
export type LiveLine = LogLine & { runId: string };

function outcomes(run: StackRun): string {
  if (run.services.length === 0) return runInFlight.has(run.status) ? 'under way' : '—';
  return run.services.map((s) => `${s.name} ${s.outcome}`).join(', ');
}

export function RunsSection({ stack, liveLines }: { stack: Stack; liveLines: LiveLine[] }) {
  const trpc = useTRPC();
  const runs = useQuery({
    ...trpc.stack.runs.queryOptions({ stackId: stack.id, limit: 50 }),
    placeholderData: keepPreviousData,
    refetchInterval: (query) =>
      query.state.data?.some((r) => runInFlight.has(r.status)) ? 3_000 : false,
  });
  const rows = runs.data ?? [];
  const [chosen, setChosen] = useState<string | null>(null);
  const selected = rows.find((r) => r.id === chosen) ?? rows[0];

  return (
    <>
      <section className="card" aria-labelledby="runs-heading">
        <h2 id="runs-heading">Runs</h2>
        <ErrorNotice error={runs.error} retry={() => runs.refetch()} />
        {runs.isPending && <Loading label="Loading runs…" />}
        {runs.isSuccess && rows.length === 0 && <Empty title="Never deployed yet" />}
        {rows.length > 0 && (
          <Table
            columns={['#', 'Status', 'Version', 'Services', 'By', 'Started', 'Finished']}
            actions
          >
            {rows.map((run) => (
              <tr key={run.id} data-run={run.ordinal} data-status={run.status}>
                <td data-label="#">{run.ordinal}</td>
                <td data-label="Status">
                  <StatusBadge status={run.status} />
                  {run.restored && <p className="muted">the previous version serves again</p>}
                  {run.reason && <p className="muted deployment-reason">{run.reason}</p>}
                </td>
                <td data-label="Version">
                  {run.version}
                  {run.trigger === 'restore' ? ' (restored)' : ''}
                </td>
                <td data-label="Services">{outcomes(run)}</td>
                <td data-label="By">{run.createdBy?.name ?? '—'}</td>
                <td data-label="Started">{formatTime(run.startedAt)}</td>
                <td data-label="Finished">{formatTime(run.finishedAt)}</td>
                <td data-label="Actions">
                  <button
                    type="button"
                    className="button button-small"
                    aria-pressed={selected?.id === run.id}
                    onClick={() => setChosen(run.id)}
                  >
                    Log of #{run.ordinal}
                  </button>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </section>
      {selected && <RunLog stackId={stack.id} run={selected} liveLines={liveLines} />}
    </>
  );
}

function RunLog({
  stackId,
  run,
  liveLines,
}: {
  stackId: string;
  run: StackRun;
  liveLines: LiveLine[];
}) {
  const trpc = useTRPC();
  const listRef = useRef<HTMLOListElement>(null);
  const history = useQuery(trpc.stack.run.queryOptions({ stackId, runId: run.id, limit: 1000 }));
  // Read lines and live lines overlap: one copy of each, in order.
  const lines = useMemo(() => {
    const byId = new Map<string, LogLine>();
    for (const line of history.data?.log ?? []) byId.set(line.id, line);
    for (const line of liveLines) if (line.runId === run.id) byId.set(line.id, line);
    return [...byId.values()].sort((a, b) => Number(a.id) - Number(b.id));
  }, [history.data, liveLines, run.id]);
  useEffect(() => {
    const list = listRef.current;
    if (list && lines.length > 0) list.scrollTop = list.scrollHeight;
  }, [lines.length]);

  return (
    <section className="card" aria-labelledby="run-log-heading">
      <h2 id="run-log-heading">
        Log of run #{run.ordinal} <StatusBadge status={run.status} />
      </h2>
      <ErrorNotice error={history.error} retry={() => history.refetch()} />
      {history.isPending && <Loading label="Loading log…" />}
      {history.isSuccess && lines.length === 0 && <Empty title="Nothing logged yet" />}
      {lines.length > 0 && (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the log scrolls; keyboard users need to reach it
        <ol className="log" ref={listRef} tabIndex={0} aria-label="Run log" aria-live="polite">
          {lines.map((line) => (
            <li key={line.id} className={`level-${line.level}`}>
              <time dateTime={line.at}>{new Date(line.at).toLocaleTimeString()}</time>
              <span className="log-step">{line.service ?? 'stack'}</span>
              <span>{line.message}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
