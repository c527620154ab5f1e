// Tasks running on each cluster's servers (issue 17: platform.stats, the platform page's
// clusters): counted through a manager's Engine API, never from a stored column. A page load
// must not SSH to every cluster, so each count is kept `ttlMs`; a stale one is answered at once
// while one read per cluster refreshes it, and a cluster never counted is waited for at most
// `waitMs`. Reads run a few at a time, however many clusters a caller has.
import type { ClusterConnections } from './cluster-connections.ts';

export interface ClusterRef {
  id: string;
  orchestrator: 'kubernetes' | 'swarm';
}

export interface RunningTaskCounter {
  /**
   * Running tasks per cluster; null where the count is not known: no manager answered within
   * the wait, or a Kubernetes cluster (its live reads are not there yet).
   */
  count(clusters: readonly ClusterRef[]): Promise<Map<string, number | null>>;
}

export interface RunningTaskCounterOptions {
  connections: ClusterConnections;
  /** How long a count is reused (default 15 s). */
  ttlMs?: number;
  /** How long a request waits for a cluster never counted before (default 2 s). */
  waitMs?: number;
  /** Reads of managers at once, per process (default 8). */
  concurrency?: number;
}

interface Entry {
  value: number | null;
  at: number;
  refreshing: Promise<number | null> | null;
}

export function createRunningTaskCounter({
  connections,
  ttlMs = 15_000,
  waitMs = 2_000,
  concurrency = 8,
}: RunningTaskCounterOptions): RunningTaskCounter {
  const cache = new Map<string, Entry>();
  let running = 0;
  const waiting: (() => void)[] = [];

  async function slot<T>(work: () => Promise<T>): Promise<T> {
    if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await work();
    } finally {
      running--;
      waiting.shift()?.();
    }
  }

  async function read(clusterId: string): Promise<number | null> {
    try {
      const { engine } = await connections.swarm(clusterId);
      const tasks = await engine.tasks({ 'desired-state': ['running'] });
      return tasks.filter((task) => task.Status.State === 'running').length;
    } catch {
      // Unknown, not zero: a cluster that does not answer is not a cluster without work.
      return null;
    }
  }

  function refresh(clusterId: string, entry: Entry | undefined): Promise<number | null> {
    if (entry?.refreshing) return entry.refreshing;
    const current: Entry = entry ?? { value: null, at: 0, refreshing: null };
    const refreshing = slot(() => read(clusterId)).then((value) => {
      cache.set(clusterId, { value, at: Date.now(), refreshing: null });
      return value;
    });
    cache.set(clusterId, { ...current, refreshing });
    return refreshing;
  }

  return {
    async count(clusters) {
      // Counts of clusters nobody asked about for a while (deleted ones too) are let go.
      if (cache.size > 1_000) {
        for (const [id, entry] of cache) {
          if (!entry.refreshing && Date.now() - entry.at > 10 * ttlMs) cache.delete(id);
        }
      }
      const counts = new Map<string, number | null>();
      const pending: Promise<void>[] = [];
      for (const cluster of clusters) {
        if (cluster.orchestrator !== 'swarm') {
          counts.set(cluster.id, null);
          continue;
        }
        const entry = cache.get(cluster.id);
        if (entry && entry.at > 0 && Date.now() - entry.at < ttlMs) {
          counts.set(cluster.id, entry.value);
          continue;
        }
        const refreshing = refresh(cluster.id, entry);
        if (entry && entry.at > 0) {
          counts.set(cluster.id, entry.value);
          continue;
        }
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<null>((resolve) => {
          timer = setTimeout(() => resolve(null), waitMs);
          timer.unref();
        });
        pending.push(
          Promise.race([refreshing, timeout]).then((value) => {
            clearTimeout(timer);
            counts.set(cluster.id, value);
          }),
        );
      }
      await Promise.all(pending);
      return counts;
    },
  };
}
