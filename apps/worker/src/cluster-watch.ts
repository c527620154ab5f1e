// Jobs waiting on a cluster's rows (nodes waiting for the control plane to be formed) share one
// read of them per cluster in this process. Each waiting node used to poll Postgres by itself
// every 100 ms: fifty nodes of one cluster, 500 queries a second for as long as the first manager
// took, on the machine that also runs the API.
import type { ClusterRecord } from './cluster-record.ts';

export interface ClusterWatch {
  /**
   * Resolves with the first value `check` returns for the cluster as read (null: it is gone);
   * `check` throwing ends the wait with that error. Rejects with `timeoutMessage` after
   * `timeoutMs`.
   */
  wait<T>(
    clusterId: string,
    check: (cluster: ClusterRecord | null) => T | undefined,
    options: { timeoutMs: number; timeoutMessage: () => string },
  ): Promise<T>;
  /**
   * Reads the cluster again now rather than after the pause: this process has just written what
   * its waiters may be waiting for (the first manager's join secrets).
   */
  wake(clusterId: string): void;
  /** Clusters being read now. */
  watched(): number;
}

interface Waiter {
  check: (cluster: ClusterRecord | null) => unknown;
  deadline: number;
  timeoutMessage: () => string;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export function createClusterWatch({
  read,
  intervalMs = 100,
}: {
  read: (clusterId: string) => Promise<ClusterRecord | null>;
  /** Pause between two reads of one cluster. */
  intervalMs?: number;
}): ClusterWatch {
  const clusters = new Map<string, Set<Waiter>>();
  /** Ends the pause of a cluster's watch, while it pauses. */
  const wakers = new Map<string, () => void>();
  /** Woken while reading: the read may predate the write, so the next pause is skipped. */
  const woken = new Set<string>();

  async function watch(clusterId: string, waiters: Set<Waiter>): Promise<void> {
    while (waiters.size > 0) {
      let cluster: ClusterRecord | null | undefined;
      try {
        cluster = await read(clusterId);
      } catch {
        // The database busy or away for a moment: read again, until the waiters' deadlines.
        cluster = undefined;
      }
      const now = Date.now();
      for (const waiter of [...waiters]) {
        try {
          const value = cluster === undefined ? undefined : waiter.check(cluster);
          if (value !== undefined) {
            waiters.delete(waiter);
            waiter.resolve(value);
          } else if (now >= waiter.deadline) {
            waiters.delete(waiter);
            waiter.reject(new Error(waiter.timeoutMessage()));
          }
        } catch (error) {
          waiters.delete(waiter);
          waiter.reject(error);
        }
      }
      if (waiters.size > 0 && !woken.delete(clusterId)) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, intervalMs);
          wakers.set(clusterId, () => {
            clearTimeout(timer);
            resolve();
          });
        });
        wakers.delete(clusterId);
      }
    }
    // Checked and removed in the same turn of the event loop: a later wait starts a new watch.
    clusters.delete(clusterId);
    woken.delete(clusterId);
  }

  return {
    wait(clusterId, check, { timeoutMs, timeoutMessage }) {
      return new Promise((resolve, reject) => {
        let waiters = clusters.get(clusterId);
        const start = !waiters;
        if (!waiters) {
          waiters = new Set();
          clusters.set(clusterId, waiters);
        }
        waiters.add({
          check,
          deadline: Date.now() + timeoutMs,
          timeoutMessage,
          resolve: resolve as (value: unknown) => void,
          reject,
        });
        if (start) void watch(clusterId, waiters);
      });
    },
    wake(clusterId) {
      const waker = wakers.get(clusterId);
      if (waker) waker();
      else if (clusters.has(clusterId)) woken.add(clusterId);
    },
    watched: () => clusters.size,
  };
}
