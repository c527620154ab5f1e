// Joins through one manager, paced. Every join makes the manager sign a certificate and commit
// the new node through Raft; measured on one machine, 44 joins sent at once stalled the first
// manager (its `docker node ls` did not answer within 20 s, two joins hung for minutes) while
// joins one after another went through at once. hetzner-k3s caps its installs at 10, and a
// script holding 10 joins in flight formed a 50-server Swarm without a failure.
//
// So each manager gets a limit on joins in flight through it, adjusted as TCP adjusts its window.
// Slow start: from `initial`, every join that succeeds raises the limit by one (it doubles per
// round of joins) until the first sign of trouble. From then on, additive increase (one per
// limit's worth of good joins) and multiplicative decrease: a join that fails, or is still not
// done after `slowMs`, cuts the limit by a third. `slowMs` is three times Docker's own patience
// with a join (20 s, after which `docker swarm join` says it goes on in the background): on
// servers that share their CPUs every join takes longer the more run, and still they finish
// sooner all together — measured with 50 servers on two cores, the script's joins at 10 in flight
// took about 30 s each, and cutting the limit at 20 s held ours at 3 in flight and made the
// Swarm 1.5× slower than the script. A stalled manager shows as joins that hang for minutes or
// fail; that is what the limit backs off from. Joins of managers go first: they make the control
// plane tolerate a failure.
//
// The limit is per worker process; several workers joining nodes through one manager each keep
// their own.

export interface JoinPacingOptions {
  /** Joins in flight through a manager before anything is measured (default 4). */
  initial?: number;
  /** The most joins in flight through one manager (default 10). */
  max?: number;
  /** A join taking longer than this counts as a sign of an overloaded manager (default 60 s). */
  slowMs?: number;
}

export interface JoinSlot {
  /** How long the join waited for its turn. */
  waitedMs: number;
  /** Joins in flight through this manager when this one started, itself included. */
  inFlight: number;
  /** The manager's limit when this one started. */
  limit: number;
}

export interface JoinPacing {
  /**
   * Runs `join` when the manager has a free slot; tells the limit how long it took, unless
   * `measured` says the join did nothing (a node already a member answers at once and says
   * nothing about the manager's load).
   */
  run<T>(
    manager: string,
    role: 'manager' | 'worker',
    join: (slot: JoinSlot) => Promise<T>,
    measured?: (result: T) => boolean,
  ): Promise<T>;
  /** The manager's current limit (rounded down), for logs and tests. */
  limit(manager: string): number;
}

interface Lane {
  /** Fractional: grows by 1/limit per fast join, so by one per limit's worth of joins. */
  limit: number;
  /** Until the first slow or failed join, every fast one raises the limit by a whole one. */
  slowStart: boolean;
  inFlight: number;
  queue: { role: 'manager' | 'worker'; start: () => void }[];
}

export function createJoinPacing({
  initial = 4,
  max = 10,
  slowMs = 60_000,
}: JoinPacingOptions = {}): JoinPacing {
  const lanes = new Map<string, Lane>();
  const laneOf = (manager: string): Lane => {
    let lane = lanes.get(manager);
    if (!lane) {
      lane = { limit: Math.min(initial, max), slowStart: true, inFlight: 0, queue: [] };
      lanes.set(manager, lane);
    }
    return lane;
  };

  const startNext = (manager: string, lane: Lane) => {
    while (lane.queue.length > 0 && lane.inFlight < Math.floor(lane.limit)) {
      const index = Math.max(
        0,
        lane.queue.findIndex((waiting) => waiting.role === 'manager'),
      );
      const [next] = lane.queue.splice(index, 1);
      lane.inFlight++;
      next?.start();
    }
    if (lane.inFlight === 0 && lane.queue.length === 0) {
      // What was learned is kept while joins keep coming; a manager with none for a while
      // starts again from `initial` (its load may have changed).
      setTimeout(() => {
        if (lane.inFlight === 0 && lane.queue.length === 0) lanes.delete(manager);
      }, 60_000).unref();
    }
  };

  const settle = (lane: Lane, tookMs: number, ok: boolean) => {
    if (ok && tookMs <= slowMs) {
      const step = lane.slowStart ? 1 : 1 / Math.floor(lane.limit);
      lane.limit = Math.min(max, lane.limit + step);
    } else {
      lane.slowStart = false;
      lane.limit = Math.max(1, (lane.limit * 2) / 3);
    }
  };

  return {
    async run(manager, role, join, measured = () => true) {
      const lane = laneOf(manager);
      const queuedAt = Date.now();
      await new Promise<void>((start) => {
        lane.queue.push({ role, start });
        startNext(manager, lane);
      });
      const slot = {
        waitedMs: Date.now() - queuedAt,
        inFlight: lane.inFlight,
        limit: Math.floor(lane.limit),
      };
      const startedAt = Date.now();
      let outcome: 'ok' | 'failed' | 'unmeasured' = 'failed';
      try {
        const result = await join(slot);
        outcome = measured(result) ? 'ok' : 'unmeasured';
        return result;
      } finally {
        if (outcome !== 'unmeasured') settle(lane, Date.now() - startedAt, outcome === 'ok');
        lane.inFlight--;
        startNext(manager, lane);
      }
    },
    limit: (manager) => Math.floor(lanes.get(manager)?.limit ?? initial),
  };
}
