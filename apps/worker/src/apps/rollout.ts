// Watching what the servers do, without changing anything: a rollout an earlier attempt started
// (its worker was killed) is judged as it stands — re-applying the same spec would make Swarm
// forget the spec it could roll back to. And the cancel requests a running job must notice.
import { judge, newWatch } from '@flotilla/deploy';
import {
  DockerApiError,
  type DockerEngine,
  type ServiceSpec,
  type SwarmService,
  type SwarmTask,
} from '@flotilla/docker';
import type { Engine } from '../engine.ts';

export interface Observed {
  outcome: 'succeeded' | 'failed' | 'timedOut' | 'cancelled';
  reason?: string;
  /** The service is on a bad spec: the previous one must be applied again. */
  restore: boolean;
  /** The service was removed while it was watched (its app is being removed). */
  gone?: true;
}

const ns = 1_000_000;

const removed: Observed = {
  outcome: 'failed',
  reason: 'the service was removed meanwhile',
  restore: false,
  gone: true,
};

function monitorOf(spec: ServiceSpec): number {
  return Math.round((spec.UpdateConfig?.Monitor ?? 5_000 * ns) / ns);
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Judges the service's current rollout (or its settled state) until it succeeds or fails, the
 * deadline passes, or the signal aborts. `created`: the service has no earlier spec to go back
 * to, so the first failed task decides.
 */
export async function observeRollout(
  manager: DockerEngine,
  service: SwarmService,
  options: {
    created: boolean;
    deadline: number;
    pendingTimeoutMs: number;
    pollMs: number;
    signal?: AbortSignal;
    onProgress?: (detail: string) => void;
    /** The service and its tasks before a change this call watches (none: judge it as it is). */
    before?: { service: SwarmService; tasks: SwarmTask[] };
  },
): Promise<Observed> {
  const watch = newWatch({
    monitorMs: monitorOf(service.Spec),
    pendingTimeoutMs: options.pendingTimeoutMs,
    created: options.created,
    ...(options.before
      ? { before: options.before.service, tasksBefore: options.before.tasks }
      : {}),
  });
  for (;;) {
    if (options.signal?.aborted)
      return { outcome: 'cancelled', reason: 'cancelled', restore: true };
    if (Date.now() >= options.deadline) {
      return {
        outcome: 'timedOut',
        reason: 'the deadline passed before it came up',
        restore: true,
      };
    }
    const now = await manager.service(service.ID);
    if (!now) return removed;
    const [upToDate, all, nodes] = (await Promise.all([
      manager.tasks({ service: [service.ID], '_up-to-date': ['true'] }),
      manager.tasks({ service: [service.ID] }),
      manager.nodes(),
    ]).catch((error: unknown) => {
      // Removed between the two reads: the daemon refuses a filter on a service it does not know.
      if (error instanceof DockerApiError && error.statusCode === 404) return null;
      throw error;
    })) ?? [null, null, null];
    if (!upToDate || !all || !nodes) return removed;
    const verdict = judge(watch, { now: Date.now(), service: now, upToDate, all, nodes });
    switch (verdict.state) {
      case 'succeeded':
        return { outcome: 'succeeded', restore: false };
      case 'failed':
        return { outcome: 'failed', reason: verdict.reason, restore: verdict.restore };
      case 'rollingBack':
        options.onProgress?.(verdict.reason);
        break;
      default:
        options.onProgress?.(`${verdict.running}/${verdict.desired} ${verdict.detail}`);
    }
    await sleep(options.pollMs, options.signal);
  }
}

/**
 * Aborts when the deployment's cancel is asked for, or its app is being removed (or gone):
 * looked up every `pollMs` while the job runs. `stop()` ends the lookups.
 */
export function watchCancel(
  engine: Engine,
  deploymentId: string,
  pollMs: number,
): { signal: AbortSignal; reason: () => string | undefined; stop: () => void } {
  const controller = new AbortController();
  let why: string | undefined;
  let stopped = false;
  const check = async () => {
    const row = await engine.db.deployment
      .findUnique({
        where: { id: deploymentId },
        select: { cancelRequestedAt: true, app: { select: { status: true } } },
      })
      .catch(() => undefined);
    if (row === undefined) return; // the database did not answer: ask again next time
    if (!row) why = 'the app was removed';
    else if (row.app.status === 'deleting') why = 'the app is being removed';
    else if (row.cancelRequestedAt) why = 'cancelled';
    if (why) controller.abort();
  };
  const loop = async () => {
    while (!stopped && !controller.signal.aborted) {
      await check();
      await sleep(Math.max(pollMs, 250));
    }
  };
  void loop();
  return {
    signal: controller.signal,
    reason: () => why,
    stop: () => {
      stopped = true;
    },
  };
}
