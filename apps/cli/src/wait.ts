// `--wait`: follow a cluster until a verdict — the cluster running (done), in error (failed, the
// reason printed), gone (deleted) — while showing every step. Events say when to look; the
// verdict always comes from a fresh cluster.one, and a slow poll covers a stream that went quiet.
import type { FlotillaClient } from '@flotilla/client';
import { CliError, exitCodes, failure } from './errors.ts';
import { ClusterFollower } from './follow.ts';
import type { ProgressView } from './progress.ts';
import type { ClusterDetail } from './types.ts';

export type Verdict = { ok: true } | { ok: false; reason: string };
/** Undefined while there is nothing to say yet. `'gone'`: the cluster no longer exists. */
export type Judge = (cluster: ClusterDetail | 'gone') => Verdict | undefined;

export interface WaitOptions {
  api: FlotillaClient;
  url: string;
  cluster: ClusterDetail;
  view: ProgressView;
  judge: Judge;
  signal: AbortSignal;
  /** What to tell the user if they stop waiting with Ctrl-C. */
  interruptedHint: string;
  /** Which stored lines to show first (all of them by default). */
  history?: { tail?: number; nodeId?: string };
  pollMs?: number;
}

/** Resolves with the last look at the cluster (undefined once gone), or throws the failure. */
export async function waitForCluster(options: WaitOptions): Promise<ClusterDetail | undefined> {
  const { api, url, cluster, view, judge, signal } = options;
  let last: ClusterDetail | undefined = cluster;
  let verdict: Verdict | undefined;
  let follower: ClusterFollower | undefined;
  const decide = (seen: ClusterDetail | 'gone') => {
    if (verdict) return;
    last = seen === 'gone' ? undefined : seen;
    verdict = judge(seen);
    if (verdict) follower?.stop();
  };
  follower = new ClusterFollower(api, url, cluster.id, {
    log: (line) => view.log(line),
    status: (event) => {
      view.status(event);
      void follower?.refresh();
    },
    snapshot: (seen) => {
      view.snapshot(seen);
      decide(seen);
    },
    gone: () => decide('gone'),
    connection: (state, reason) => view.connection(state, reason),
  });
  const poll = setInterval(() => void follower?.refresh(), options.pollMs ?? 5_000);
  const interrupt = () => follower?.stop();
  signal.addEventListener('abort', interrupt, { once: true });
  try {
    await follower.history(options.history);
    if (!verdict) follower.start();
    await follower.done;
    // Lines written just before the verdict may still be on their way: read them from the table.
    if (verdict) await follower.history().catch(() => {});
  } finally {
    clearInterval(poll);
    signal.removeEventListener('abort', interrupt);
    view.finish();
  }
  if (!verdict) throw new CliError(options.interruptedHint, exitCodes.interrupted);
  if (!verdict.ok) throw failure(verdict.reason);
  return last;
}

/** A first provisioning: running is done; error or degraded (some nodes failed) is not. */
export const untilProvisioned: Judge = (cluster) => {
  if (cluster === 'gone') return { ok: false, reason: 'the cluster was deleted while waiting' };
  if (cluster.status === 'running') return { ok: true };
  if (
    cluster.status === 'error' ||
    cluster.status === 'degraded' ||
    cluster.status === 'deleting'
  ) {
    return {
      ok: false,
      reason: `cluster ${cluster.name} is ${cluster.status}${cluster.statusReason ? `: ${cluster.statusReason}` : ''}`,
    };
  }
  return undefined;
};

/** A deletion: done once the cluster is gone; a teardown that failed leaves it in error. */
export const untilDeleted: Judge = (cluster) => {
  if (cluster === 'gone') return { ok: true };
  if (cluster.status === 'error') {
    return {
      ok: false,
      reason: `deleting cluster ${cluster.name} failed${cluster.statusReason ? `: ${cluster.statusReason}` : ''}`,
    };
  }
  return undefined;
};

/** One node joining: running is done, error is not. */
export function untilNodeRunning(nodeId: string): Judge {
  return (cluster) => {
    if (cluster === 'gone') return { ok: false, reason: 'the cluster was deleted while waiting' };
    const node = cluster.nodes.find((n) => n.id === nodeId);
    if (!node) return { ok: false, reason: 'the node was removed while waiting' };
    if (node.status === 'running') return { ok: true };
    if (node.status === 'error') {
      return {
        ok: false,
        reason: `node ${node.name} is error${node.statusReason ? `: ${node.statusReason}` : ''}`,
      };
    }
    return undefined;
  };
}

/** One node leaving: done once its row is gone. */
export function untilNodeRemoved(nodeId: string): Judge {
  return (cluster) => {
    if (cluster === 'gone') return { ok: true };
    const node = cluster.nodes.find((n) => n.id === nodeId);
    if (!node) return { ok: true };
    if (node.status === 'error') {
      return {
        ok: false,
        reason: `removing node ${node.name} failed${node.statusReason ? `: ${node.statusReason}` : ''}`,
      };
    }
    return undefined;
  };
}

/**
 * A node's availability change (drain, activate, evacuate): done once the servers have it, failed
 * when its job gave up and the managers report something else.
 */
export function untilAvailability(nodeId: string, wanted: 'active' | 'pause' | 'drain'): Judge {
  return (cluster) => {
    if (cluster === 'gone') return { ok: false, reason: 'the cluster was deleted while waiting' };
    const node = cluster.nodes.find((n) => n.id === nodeId);
    if (!node) return { ok: false, reason: 'the node was removed while waiting' };
    if (node.availabilityPending) return undefined;
    if (node.availability === wanted) return { ok: true };
    return {
      ok: false,
      reason: `the managers report node ${node.name} as ${node.availability}, not ${wanted}`,
    };
  };
}
