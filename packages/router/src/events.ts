// Live cluster events: ONE `LISTEN flotilla_events` connection per process (postgres.js keeps it
// and re-listens after a reconnect), fanned out in memory to every SSE client and tRPC
// subscription of the cluster in question.
import type { Sql } from '@flotilla/db';
import { decodeEvent, EVENTS_CHANNEL, type FlotillaEvent } from '@flotilla/lifecycle';

export type EventListener = (event: FlotillaEvent) => void;

export interface EventHub {
  start(): Promise<void>;
  subscribe(clusterId: string, listener: EventListener): () => void;
  /** Subscribers currently attached (for tests and metrics). */
  size(): number;
  stop(): Promise<void>;
}

export function createEventHub(sql: Sql): EventHub {
  const listeners = new Map<string, Set<EventListener>>();
  let unlisten: (() => Promise<void>) | undefined;
  let starting: Promise<void> | undefined;

  function deliver(payload: string) {
    const event = decodeEvent(payload);
    if (!event) return;
    for (const listener of listeners.get(event.clusterId) ?? []) listener(event);
  }

  return {
    start() {
      starting ??= sql.listen(EVENTS_CHANNEL, deliver).then((meta) => {
        unlisten = meta.unlisten;
      });
      return starting;
    },
    subscribe(clusterId, listener) {
      let set = listeners.get(clusterId);
      if (!set) {
        set = new Set();
        listeners.set(clusterId, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(clusterId);
      };
    },
    size() {
      let total = 0;
      for (const set of listeners.values()) total += set.size;
      return total;
    },
    async stop() {
      listeners.clear();
      await unlisten?.();
      unlisten = undefined;
      starting = undefined;
    },
  };
}
