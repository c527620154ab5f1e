import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Empty, ErrorNotice, Loading } from '../../components/states.tsx';
import { useTRPC } from '../../trpc.ts';
import type { ClusterDetail, LogLine } from './types.ts';

const clusterWide = '__cluster__';

export function ProvisioningLog({
  cluster,
  liveLines,
}: {
  cluster: ClusterDetail;
  liveLines: LogLine[];
}) {
  const trpc = useTRPC();
  const [nodeFilter, setNodeFilter] = useState('');
  const [follow, setFollow] = useState(true);
  const listRef = useRef<HTMLOListElement>(null);
  const history = useInfiniteQuery(
    trpc.cluster.logs.infiniteQueryOptions(
      { clusterId: cluster.id, limit: 500 },
      { getNextPageParam: (last) => (last.nextCursor ? Number(last.nextCursor) : undefined) },
    ),
  );
  // Older lines come in pages; read them all (oldest first) so the filter sees everything.
  useEffect(() => {
    if (history.hasNextPage && !history.isFetchingNextPage) void history.fetchNextPage();
  }, [history.hasNextPage, history.isFetchingNextPage, history.fetchNextPage]);

  // Lines read from the history and lines that arrived live overlap: one copy of each, in order.
  const lines = useMemo(() => {
    const byId = new Map<string, LogLine>();
    for (const page of history.data?.pages ?? [])
      for (const line of page.items) byId.set(line.id, line);
    for (const line of liveLines) byId.set(line.id, line);
    return [...byId.values()].sort((a, b) => Number(a.id) - Number(b.id));
  }, [history.data, liveLines]);

  const nodeNames = new Map(cluster.nodes.map((node) => [node.id, node.name]));
  const shown = lines.filter((line) =>
    nodeFilter === ''
      ? true
      : nodeFilter === clusterWide
        ? !line.nodeId
        : line.nodeId === nodeFilter,
  );

  useEffect(() => {
    const list = listRef.current;
    if (follow && list && shown.length > 0) list.scrollTop = list.scrollHeight;
  }, [follow, shown.length]);

  return (
    <section className="card" aria-labelledby="log-heading">
      <div className="page-header">
        <h2 id="log-heading">Provisioning log</h2>
        <div className="actions">
          <label htmlFor="log-node">Show</label>
          <select
            id="log-node"
            value={nodeFilter}
            onChange={(event) => setNodeFilter(event.target.value)}
            style={{ width: 'auto' }}
          >
            <option value="">All nodes</option>
            <option value={clusterWide}>Cluster only</option>
            {cluster.nodes.map((node) => (
              <option key={node.id} value={node.id}>
                {node.name}
              </option>
            ))}
          </select>
          <label className="choice-row">
            <input
              type="checkbox"
              checked={follow}
              onChange={(event) => setFollow(event.target.checked)}
              style={{ width: 'auto' }}
            />
            Follow
          </label>
        </div>
      </div>
      <ErrorNotice error={history.error} retry={() => history.refetch()} />
      {history.isPending && <Loading label="Loading log…" />}
      {history.isSuccess && shown.length === 0 && (
        <Empty title={lines.length === 0 ? 'Nothing logged yet' : 'No lines for this node'} />
      )}
      {shown.length > 0 && (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the log scrolls; keyboard users need to reach it
        <ol className="log" ref={listRef} tabIndex={0} aria-label="Log lines" aria-live="polite">
          {shown.map((line) => (
            <li key={line.id} className={`level-${line.level}`} data-node-id={line.nodeId ?? ''}>
              <time dateTime={line.createdAt}>{new Date(line.createdAt).toLocaleTimeString()}</time>
              <span className="log-step">
                {line.nodeId ? `${nodeNames.get(line.nodeId) ?? line.nodeId} · ` : ''}
                {line.step}
              </span>
              <span>{line.message}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
