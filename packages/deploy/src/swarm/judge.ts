// Whether a Swarm rollout came up, judged the way `docker service update --detach=false` does,
// plus the checks it lacks: count only tasks of the current spec; success when as many of them
// run as replicas are wanted, held for the monitor window, and Swarm calls the update `completed`;
// failure on `paused` or any `rollback_*` (the CLI exits 0 after an automatic rollback), on a
// new task failing when there is no previous spec to fall back to, and on a task left pending
// (e.g. "no suitable node") longer than a hard limit. Pure: observations in, judgement out.
import type { SwarmNode, SwarmService, SwarmTask } from '@flotilla/docker';
import { desiredReplicas } from './spec.ts';

export interface RolloutObservation {
  now: number;
  service: SwarmService;
  /** Tasks whose spec is the service's current one (the `_up-to-date` task filter). */
  upToDate: SwarmTask[];
  /** Every task of the service, to collect the errors of tasks this rollout started. */
  all: SwarmTask[];
  nodes: SwarmNode[];
}

/** What a rollout watch remembers between observations. */
export interface RolloutWatch {
  monitorMs: number;
  pendingTimeoutMs: number;
  /** The service was created by this rollout: no previous spec exists to roll back to. */
  created: boolean;
  /** UpdateStatus before the change: an unchanged one belongs to an earlier rollout. */
  previousUpdateStatus?: SwarmService['UpdateStatus'];
  /** Tasks that existed before the change: their failures are not this rollout's. */
  previousTaskIds: ReadonlySet<string>;
  convergedAt?: number;
  pendingSince: Map<string, number>;
  /** Errors of this rollout's failed tasks, by task id, in the orchestrator's words. */
  failures: Map<string, string>;
}

export type Judgement =
  | { state: 'progressing'; running: number; desired: number; detail: string }
  | { state: 'rollingBack'; reason: string }
  | { state: 'succeeded'; running: number }
  | {
      state: 'failed';
      reason: string;
      /** Swarm put the previous spec back by itself (rollback_completed). */
      rolledBack: boolean;
      /** The service is not on a good spec: re-apply the previous one. */
      restore: boolean;
    };

export function newWatch(options: {
  monitorMs: number;
  pendingTimeoutMs: number;
  created: boolean;
  before?: SwarmService | null;
  tasksBefore?: SwarmTask[];
}): RolloutWatch {
  return {
    monitorMs: options.monitorMs,
    pendingTimeoutMs: options.pendingTimeoutMs,
    created: options.created,
    previousUpdateStatus: options.before?.UpdateStatus,
    previousTaskIds: new Set((options.tasksBefore ?? []).map((task) => task.ID)),
    pendingSince: new Map(),
    failures: new Map(),
  };
}

const failedStates = new Set(['failed', 'rejected']);

function sameStatus(a: SwarmService['UpdateStatus'], b: SwarmService['UpdateStatus']): boolean {
  return (
    (a?.State ?? null) === (b?.State ?? null) && (a?.StartedAt ?? null) === (b?.StartedAt ?? null)
  );
}

function taskError(task: SwarmTask): string {
  const exit = task.Status.ContainerStatus?.ExitCode;
  const err = task.Status.Err || task.Status.Message || task.Status.State;
  return exit !== undefined && exit !== 0 && !err.includes('exit') ? `${err} (exit ${exit})` : err;
}

/**
 * The tasks a rollout lost all failed before their app ran: the container runtime could not
 * start them ("starting container failed: … OCI runtime create failed …"): runc's init killed
 * or gone before the app started (on the testbed that was another file's teardown killing
 * processes by a reused namespace id, fixed since; on servers, the OOM killer or a runtime race).
 * Swarm rolls back on it as on a crash, yet it says nothing about the release unless it repeats
 * (an entrypoint that does not exist fails so every time). A task that exited, was rejected or
 * never got a node is not one.
 */
export function startFailuresOnly(errors: Iterable<string>): boolean {
  const all = [...errors];
  return all.length > 0 && all.every((error) => error.startsWith('starting container failed'));
}

function withTaskErrors(message: string, watch: RolloutWatch): string {
  const errors = [...new Set(watch.failures.values())];
  return errors.length ? `${message}; tasks: ${errors.join('; ')}` : message;
}

export function judge(watch: RolloutWatch, seen: RolloutObservation): Judgement {
  for (const task of seen.all) {
    if (!watch.previousTaskIds.has(task.ID) && failedStates.has(task.Status.State)) {
      watch.failures.set(task.ID, taskError(task));
    }
  }

  const status = sameStatus(seen.service.UpdateStatus, watch.previousUpdateStatus)
    ? undefined
    : seen.service.UpdateStatus;
  const message = status?.Message ? `: ${status.Message}` : '';
  switch (status?.State) {
    case 'paused':
      return {
        state: 'failed',
        reason: withTaskErrors(`update paused${message}`, watch),
        rolledBack: false,
        restore: true,
      };
    case 'rollback_started':
      return { state: 'rollingBack', reason: withTaskErrors(`rolling back${message}`, watch) };
    case 'rollback_paused':
      return {
        state: 'failed',
        reason: withTaskErrors(`rollback paused${message}`, watch),
        rolledBack: false,
        restore: true,
      };
    case 'rollback_completed':
      return {
        state: 'failed',
        reason: withTaskErrors(`rolled back${message}`, watch),
        rolledBack: true,
        restore: false,
      };
    default:
      break;
  }

  // Without a previous spec Swarm has nothing to roll back to and just restarts a failing task:
  // the first failure of a new task decides, as MaxFailureRatio 0 does for updates.
  if (watch.created && watch.failures.size > 0) {
    return {
      state: 'failed',
      reason: withTaskErrors('a task of the new service failed', watch),
      rolledBack: false,
      restore: false,
    };
  }

  const usable = new Set(
    seen.nodes.filter((node) => node.Status.State === 'ready').map((node) => node.ID),
  );
  const current = seen.upToDate.filter((task) => task.DesiredState === 'running');
  for (const task of current) {
    if (task.Status.State !== 'pending') {
      watch.pendingSince.delete(task.ID);
      continue;
    }
    const since = watch.pendingSince.get(task.ID) ?? seen.now;
    watch.pendingSince.set(task.ID, since);
    if (seen.now - since >= watch.pendingTimeoutMs) {
      return {
        state: 'failed',
        reason: `a task stayed pending for ${Math.round((seen.now - since) / 1000)} s: ${
          task.Status.Err || task.Status.Message || 'pending'
        }`,
        rolledBack: false,
        restore: !watch.created,
      };
    }
  }

  const desired = desiredReplicas(seen.service.Spec);
  const slots = new Set(
    current
      .filter((task) => task.Status.State === 'running' && task.NodeID && usable.has(task.NodeID))
      .map((task) => task.Slot ?? task.ID),
  );
  const running = slots.size;
  const updating = status?.State === 'updating';
  if (running !== desired || updating) {
    watch.convergedAt = undefined;
    const waiting = current.find((task) => task.Status.State !== 'running');
    const detail = updating
      ? `updating${message}`
      : waiting
        ? `${waiting.Status.State}${waiting.Status.Err ? `: ${waiting.Status.Err}` : ''}`
        : `${running} of ${desired} running`;
    return { state: 'progressing', running, desired, detail };
  }
  watch.convergedAt ??= seen.now;
  if (seen.now - watch.convergedAt < watch.monitorMs) {
    return { state: 'progressing', running, desired, detail: 'running, monitoring' };
  }
  return { state: 'succeeded', running };
}
