// Live cluster events: ONE `LISTEN flotilla_events` connection per process (postgres.js keeps it
// and re-listens after a reconnect), fanned out in memory to every SSE client and tRPC
// subscription of the cluster in question (and, for stack runs, of the stack).
import type { Sql } from '@flotilla/db';
import {
  decodeEvent,
  EVENTS_CHANNEL,
  type FlotillaEvent,
  type StackEvent,
} from '@flotilla/lifecycle';

/** What a cluster's subscribers get: its status, its nodes', its log (not its stacks' runs). */
export type ClusterLevelEvent = Exclude<FlotillaEvent, StackEvent>;
export type EventListener = (event: ClusterLevelEvent) => void;
export type StackEventListener = (event: StackEvent) => void;

export interface EventHub {
  start(): Promise<void>;
  subscribe(clusterId: string, listener: EventListener): () => void;
  /** A stack's run status changes and run log lines. */
  subscribeStack(stackId: string, listener: StackEventListener): () => void;
  /** Subscribers currently attached (for tests and metrics). */
  size(): number;
  stop(): Promise<void>;
}

export function createEventHub(sql: Sql): EventHub {
  const listeners = new Map<string, Set<EventListener>>();
  const stackListeners = new Map<string, Set<StackEventListener>>();
  let unlisten: (() => Promise<void>) | undefined;
  let starting: Promise<void> | undefined;

  function deliver(payload: string) {
    const event = decodeEvent(payload);
    if (!event) return;
    if (event.kind === 'stackRun' || event.kind === 'stackLog') {
      for (const listener of stackListeners.get(event.stackId) ?? []) listener(event);
      return;
    }
    for (const listener of listeners.get(event.clusterId) ?? []) listener(event);
  }

  function add<L>(map: Map<string, Set<L>>, key: string, listener: L): () => void {
    let set = map.get(key);
    if (!set) {
      set = new Set();
      map.set(key, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) map.delete(key);
    };
  }

  return {
    start() {
      starting ??= sql.listen(EVENTS_CHANNEL, deliver).then((meta) => {
        unlisten = meta.unlisten;
      });
      return starting;
    },
    subscribe: (clusterId, listener) => add(listeners, clusterId, listener),
    subscribeStack: (stackId, listener) => add(stackListeners, stackId, listener),
    size() {
      let total = 0;
      for (const set of listeners.values()) total += set.size;
      for (const set of stackListeners.values()) total += set.size;
      return total;
    },
    async stop() {
      listeners.clear();
      stackListeners.clear();
      await unlisten?.();
      unlisten = undefined;
      starting = undefined;
    },
  };
}

/**
 * A subscription's stream: events as `subscribe` delivers them, after the log lines `replay`
 * reads from the table (those written while nobody listened). Subscribed first, read the table
 * second: a line written in between arrives twice at most, and the second copy is dropped by
 * its id. A client that stops reading loses the oldest events, not the process's memory.
 */
export async function* liveStream<E extends { kind: string }>(options: {
  subscribe: (push: (event: E) => void) => () => void;
  /** Log lines missed, oldest first (none when the client asked for no replay). */
  replay: () => Promise<E[]>;
  /** A log line's id (to drop a replayed line arriving live too); null for other events. */
  lineId: (event: E) => bigint | null;
  signal: AbortSignal | undefined;
}): AsyncGenerator<E> {
  const { signal } = options;
  const pending: E[] = [];
  let wake: (() => void) | null = null;
  const unsubscribe = options.subscribe((event) => {
    if (pending.length >= 1_000) pending.shift();
    pending.push(event);
    wake?.();
  });
  const aborted = new Promise<void>((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  let replayedUpTo = -1n;
  try {
    for (const line of await options.replay()) {
      replayedUpTo = options.lineId(line) ?? replayedUpTo;
      yield line;
    }
    while (!signal?.aborted) {
      const event = pending.shift();
      if (event) {
        const id = options.lineId(event);
        if (id !== null && id <= replayedUpTo) continue;
        yield event;
        continue;
      }
      await Promise.race([
        new Promise<void>((resolve) => {
          wake = resolve;
        }),
        aborted,
      ]);
      wake = null;
    }
  } finally {
    unsubscribe();
  }
}
