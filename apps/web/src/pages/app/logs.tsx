// The app's output, live: app.logStream (server-sent events through the same authorized event
// source as cluster.events) sends the last lines of every task, then each new line as it is
// printed. When the stream cannot be had, app.logs is read every few seconds instead.
import { skipToken, useQuery } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Empty, ErrorNotice, Loading } from '../../components/states.tsx';
import { errorMessage } from '../../errors.ts';
import { useTRPC } from '../../trpc.ts';
import type { App, LogLine } from './types.ts';

const tail = 200;
/** Lines kept in the page; older ones scroll away. */
const keep = 2_000;

// A reconnect sends the tail again; a line is the same line if all of this is.
const lineKey = (line: LogLine) => `${line.time}|${line.taskId}|${line.stream}|${line.message}`;

export function LogsSection({ app }: { app: App }) {
  const trpc = useTRPC();
  const [lines, setLines] = useState<LogLine[]>([]);
  const [follow, setFollow] = useState(true);
  const [filter, setFilter] = useState('');
  const listRef = useRef<HTMLOListElement>(null);

  // Nothing to follow until the app has a service on its cluster.
  const status = useQuery({
    ...trpc.app.status.queryOptions({ appId: app.id }),
    refetchInterval: (query) => (query.state.data?.service === 'present' ? false : 3_000),
  });
  const present = status.data?.service === 'present';
  const stream = useSubscription(
    trpc.app.logStream.subscriptionOptions(present ? { appId: app.id, tail } : skipToken, {
      onData: (event) => {
        const { kind: _kind, ...line } = event;
        setLines((all) => {
          const next = [...all, line];
          return next.length > keep ? next.slice(next.length - keep) : next;
        });
      },
    }),
  );
  const live = stream.status === 'pending';
  const fallback = useQuery({
    ...trpc.app.logs.queryOptions(
      present && stream.status === 'error' ? { appId: app.id, tail } : skipToken,
    ),
    refetchInterval: 3_000,
  });

  const shown = useMemo(() => {
    const source = stream.status === 'error' && fallback.data ? fallback.data : lines;
    const seen = new Set<string>();
    const unique = source.filter((line) => {
      const key = lineKey(line);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    const term = filter.trim().toLowerCase();
    return term ? unique.filter((line) => line.message.toLowerCase().includes(term)) : unique;
  }, [lines, fallback.data, stream.status, filter]);

  useEffect(() => {
    const list = listRef.current;
    if (follow && list && shown.length > 0) list.scrollTop = list.scrollHeight;
  }, [follow, shown.length]);

  return (
    <section className="card" aria-labelledby="logs-heading">
      <div className="page-header">
        <h2 id="logs-heading">Logs</h2>
        <span className="muted" role="status" aria-live="polite" data-testid="log-stream-state">
          {!present
            ? ''
            : live
              ? 'Live'
              : stream.status === 'error'
                ? 'Live logs unavailable: refreshing every 3 s'
                : 'Connecting…'}
        </span>
      </div>
      <div className="toolbar">
        <div className="field">
          <label htmlFor="log-filter">Filter</label>
          <input
            id="log-filter"
            type="search"
            value={filter}
            onChange={(event) => setFilter(event.target.value)}
            placeholder="Text in the line"
          />
        </div>
        <label className="choice-row">
          <input
            type="checkbox"
            checked={follow}
            onChange={(event) => setFollow(event.target.checked)}
          />
          Follow
        </label>
        <button type="button" className="button button-small" onClick={() => setLines([])}>
          Clear
        </button>
      </div>
      {stream.status === 'error' && (
        <div className="notice notice-error" role="alert">
          <span>{errorMessage(stream.error)}</span>
          <button type="button" className="button button-small" onClick={() => stream.reset()}>
            Reconnect
          </button>
        </div>
      )}
      <ErrorNotice error={status.error} retry={() => status.refetch()} />
      {status.isPending && <Loading label="Asking the cluster…" />}
      {status.data?.service === 'absent' && (
        <Empty title="Nothing runs yet">
          <p className="muted">Lines appear here once the app is deployed.</p>
        </Empty>
      )}
      {present && shown.length === 0 && (
        <Empty title={filter ? 'No line matches' : 'Nothing printed yet'} />
      )}
      {shown.length > 0 && (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the log scrolls; keyboard users need to reach it
        <ol className="log" ref={listRef} tabIndex={0} aria-label="App log" aria-live="polite">
          {shown.map((line) => (
            <li key={lineKey(line)} data-stream={line.stream}>
              <time dateTime={line.time}>{new Date(line.time).toLocaleTimeString()}</time>
              <span className="log-step">
                {line.taskId ? line.taskId.slice(0, 8) : 'service'}
                {line.stream === 'stderr' ? ' · err' : ''}
              </span>
              <span>{line.message}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
