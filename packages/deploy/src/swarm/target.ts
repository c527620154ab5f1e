// Apps on a Swarm: applies specs through the Engine API of a manager and proves each change by
// watching the service and its tasks (judge.ts). Stats come from the engine of the node running
// each task, reached through `engineForNode`.
import {
  containerMetrics,
  DockerApiError,
  type DockerEngine,
  type RegistryAuth,
  type ServiceSpec,
  type SwarmNode,
  type SwarmService,
  type SwarmTask,
} from '@flotilla/docker';
import { FlotillaError } from '@flotilla/errors';
import { type AppSpec, parseImageReference } from '../app.ts';
import type {
  DeployOptions,
  DeployResult,
  DeployTarget,
  RemoveResult,
  StoredSpec,
  TaskInfo,
  TaskMetrics,
} from '../target.ts';
import { judge, newWatch, startFailuresOnly } from './judge.ts';
import { buildServiceSpec, ownerLabels, registryAuth } from './spec.ts';

export interface SwarmTargetOptions {
  /** The Engine API of a manager of the swarm. */
  manager: DockerEngine;
  /** The Engine API of the node a task runs on (for its container's stats). */
  engineForNode: (node: SwarmNode) => Promise<DockerEngine>;
  /** Between observations while watching a rollout; default 500 ms. */
  pollMs?: number;
}

const defaultTimeoutMs = 10 * 60_000;
const defaultPendingTimeoutMs = 60_000;
const ms = 1_000_000;

function monitorOf(spec: ServiceSpec): number {
  return Math.round((spec.UpdateConfig?.Monitor ?? 5_000 * ms) / ms);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Credentials apply only to images of the registry they were given for. */
function authFor(image: string, options: DeployOptions): RegistryAuth | undefined {
  if (!options.registry) return undefined;
  const registry = parseImageReference(image)?.registry;
  return registry === options.registry.server ? registryAuth(options.registry) : undefined;
}

export function createSwarmTarget(options: SwarmTargetOptions): DeployTarget {
  const { manager } = options;
  const pollMs = options.pollMs ?? 500;

  const serviceOrThrow = async (name: string): Promise<SwarmService> => {
    const service = await manager.service(name);
    if (!service) throw new FlotillaError('notFound', `no service ${name} on the swarm`);
    return service;
  };

  const serviceTasks = (id: string, upToDate = false) =>
    manager.tasks({ service: [id], ...(upToDate ? { '_up-to-date': ['true'] } : {}) });

  // Once the service is gone the daemon refuses a service filter (404): list all and match.
  const tasksLeft = async (id: string) =>
    (await manager.tasks()).filter((task) => task.ServiceID === id);

  /**
   * Applies `spec` and watches it (`applyOnce`). When Swarm rolled an update back only because
   * the runtime failed to start its containers (`startFailuresOnly`), the same change is applied
   * once more: a passing runtime fault does not fail a good release, and a release that cannot
   * start fails again and is reported so.
   */
  const apply = async (
    stored: StoredSpec,
    deploy: DeployOptions,
    change: (live: SwarmService | null) => ServiceSpec,
  ): Promise<DeployResult> => {
    const first = await applyOnce(stored, deploy, change);
    if (!first.startFailuresOnly || deploy.signal?.aborted) return first.result;
    const why = `the runtime failed to start a container (${first.result.reason})`;
    deploy.onProgress?.(`${why}; applying the same change once more`);
    const timeoutMs = deploy.timeoutMs ?? defaultTimeoutMs;
    const second = await applyOnce(
      stored,
      { ...deploy, timeoutMs: Math.max(1_000, timeoutMs - first.result.durationMs) },
      change,
    );
    const durationMs = first.result.durationMs + second.result.durationMs;
    return second.result.outcome === 'succeeded'
      ? { ...second.result, reason: `succeeded on a second try: ${why}`, durationMs }
      : {
          ...second.result,
          reason: `${second.result.reason ?? second.result.outcome}; on a first try: ${first.result.reason}`,
          durationMs,
        };
  };

  /**
   * Applies `spec` (create or update at the live version) and watches it. On a failure that
   * leaves the service on a bad spec (paused, stuck, timed out, cancelled), the spec that was
   * live before is applied again, so the previous deployment keeps serving.
   */
  const applyOnce = async (
    stored: StoredSpec,
    deploy: DeployOptions,
    change: (live: SwarmService | null) => ServiceSpec,
  ): Promise<{ result: DeployResult; startFailuresOnly: boolean }> => {
    const started = Date.now();
    const deadline = started + (deploy.timeoutMs ?? defaultTimeoutMs);
    const auth = authFor(stored.image, deploy);
    // The signal stops the watch, never a write half-way: a write's outcome must be known.
    const call = auth ? { auth } : {};

    let live: SwarmService | null = null;
    let spec: ServiceSpec | undefined;
    let serviceId = '';
    let tasksBefore: SwarmTask[] = [];
    // A concurrent change between our read and write is a 409 (version mismatch): read again.
    for (let attempt = 1; ; attempt++) {
      live = await manager.service(stored.spec.Name, call);
      spec = change(live);
      if (deploy.signal?.aborted) {
        throw new FlotillaError(
          'stopped',
          `deploy of ${stored.spec.Name} cancelled before any change`,
        );
      }
      try {
        if (live) {
          tasksBefore = await serviceTasks(live.ID);
          await manager.updateService(live.ID, live.Version.Index, spec, call);
          serviceId = live.ID;
        } else {
          serviceId = (await manager.createService(spec, call)).id;
        }
        break;
      } catch (error) {
        const retry =
          error instanceof DockerApiError &&
          (error.statusCode === 409 || /update out of sequence/.test(error.message)) &&
          attempt < 3;
        if (!retry) throw error;
      }
    }
    const applied: StoredSpec = { ...stored, spec };
    const previous: StoredSpec | undefined = live
      ? {
          orchestrator: 'swarm',
          image: live.Spec.TaskTemplate.ContainerSpec.Image,
          spec: live.Spec,
        }
      : undefined;

    const watch = newWatch({
      monitorMs: monitorOf(spec),
      pendingTimeoutMs: deploy.pendingTimeoutMs ?? defaultPendingTimeoutMs,
      created: live === null,
      before: live,
      tasksBefore,
    });
    const result = (
      outcome: DeployResult['outcome'],
      restored: boolean,
      reason?: string,
    ): { result: DeployResult; startFailuresOnly: boolean } => ({
      result: {
        outcome,
        ...(reason ? { reason } : {}),
        serviceId,
        applied,
        ...(previous ? { previous } : {}),
        restored,
        durationMs: Date.now() - started,
      },
      // Only an update Swarm rolled back is tried again: the previous spec serves meanwhile.
      startFailuresOnly:
        outcome === 'failed' &&
        restored &&
        !watch.created &&
        startFailuresOnly(watch.failures.values()),
    });
    // Puts the spec that was live before back (our own rollback; Swarm's `rollback=previous`
    // would go back one spec, which may be a scale rather than the last good deployment).
    const restore = async (): Promise<boolean> => {
      if (!previous) return false;
      const now = await manager.service(serviceId);
      if (!now) return false;
      const back = {
        ...previous.spec,
        TaskTemplate: {
          ...previous.spec.TaskTemplate,
          ForceUpdate: now.Spec.TaskTemplate.ForceUpdate ?? 0,
        },
      };
      await manager.updateService(serviceId, now.Version.Index, back, auth ? { auth } : {});
      return true;
    };

    let rollingBack: string | undefined;
    for (;;) {
      if (deploy.signal?.aborted) {
        const restored = await restore();
        return result('cancelled', restored, 'cancelled; the previous spec was put back');
      }
      if (Date.now() >= deadline) {
        const restored = await restore();
        const why = rollingBack ?? 'the service did not come up';
        return result(
          'timedOut',
          restored,
          `timed out after ${deploy.timeoutMs ?? defaultTimeoutMs} ms: ${why}`,
        );
      }
      const [service, upToDate, all, nodes] = await Promise.all([
        manager.service(serviceId),
        serviceTasks(serviceId, true),
        serviceTasks(serviceId),
        manager.nodes(),
      ]);
      if (!service) return result('failed', false, 'the service was removed while deploying');
      const verdict = judge(watch, { now: Date.now(), service, upToDate, all, nodes });
      switch (verdict.state) {
        case 'succeeded':
          return result('succeeded', false);
        case 'failed': {
          const restored = verdict.restore ? await restore() : verdict.rolledBack;
          return result('failed', restored, verdict.reason);
        }
        case 'rollingBack':
          // Wait for Swarm to finish putting the previous spec back: when deploy returns, the
          // old version is what serves.
          rollingBack = verdict.reason;
          deploy.onProgress?.(verdict.reason);
          break;
        default:
          deploy.onProgress?.(`${verdict.running}/${verdict.desired} ${verdict.detail}`);
      }
      await sleep(pollMs, deploy.signal);
    }
  };

  const plan: DeployTarget['plan'] = async (app, options = {}) => {
    const auth = authFor(app.image, options);
    // A reference that names its digest is already pinned; a tag is resolved by the registry.
    const digest =
      parseImageReference(app.image)?.digest ??
      (
        await manager.distribution(app.image, {
          ...(auth ? { auth } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        })
      ).digest;
    return { orchestrator: 'swarm', image: app.image, spec: buildServiceSpec(app, { digest }) };
  };

  // Keeps the live ForceUpdate so that re-applying an unchanged spec restarts nothing.
  const keepForceUpdate =
    (spec: ServiceSpec) =>
    (live: SwarmService | null): ServiceSpec => ({
      ...spec,
      TaskTemplate: { ...spec.TaskTemplate, ForceUpdate: live?.Spec.TaskTemplate.ForceUpdate ?? 0 },
    });

  const liveStored = (service: SwarmService): StoredSpec => ({
    orchestrator: 'swarm',
    image: service.Spec.TaskTemplate.ContainerSpec.Image,
    spec: service.Spec,
  });

  const nodeNames = async (): Promise<Map<string, SwarmNode>> =>
    new Map((await manager.nodes()).map((node) => [node.ID, node]));

  return {
    plan,

    async deploy(app: AppSpec, options = {}) {
      const stored = await plan(app, options);
      return apply(stored, options, keepForceUpdate(stored.spec));
    },

    rollbackTo: (stored, options = {}) => apply(stored, options, keepForceUpdate(stored.spec)),

    async scale(name, replicas, options = {}) {
      if (!Number.isInteger(replicas) || replicas < 0 || replicas > 100) {
        throw new FlotillaError('invalid', 'replicas: an integer from 0 to 100');
      }
      const stored = liveStored(await serviceOrThrow(name));
      return apply(stored, options, (live) => ({
        ...(live?.Spec ?? stored.spec),
        Mode: { Replicated: { Replicas: replicas } },
      }));
    },

    async restart(name, options = {}) {
      const stored = liveStored(await serviceOrThrow(name));
      return apply(stored, options, (live) => {
        const spec = live?.Spec ?? stored.spec;
        return {
          ...spec,
          TaskTemplate: {
            ...spec.TaskTemplate,
            ForceUpdate: (spec.TaskTemplate.ForceUpdate ?? 0) + 1,
          },
        };
      });
    },

    async tasks(name, options = {}) {
      const service = await serviceOrThrow(name);
      const call = options.signal ? { signal: options.signal } : {};
      const [all, current, nodes] = await Promise.all([
        manager.tasks({ service: [service.ID] }, call),
        manager.tasks({ service: [service.ID], '_up-to-date': ['true'] }, call),
        nodeNames(),
      ]);
      const upToDate = new Set(current.map((task) => task.ID));
      return all
        .sort((a, b) => (a.Slot ?? 0) - (b.Slot ?? 0) || b.CreatedAt.localeCompare(a.CreatedAt))
        .map((task): TaskInfo => {
          const node = task.NodeID ? nodes.get(task.NodeID) : undefined;
          return {
            id: task.ID,
            name: `${service.Spec.Name}.${task.Slot ?? task.NodeID}.${task.ID}`,
            ...(task.Slot !== undefined ? { slot: task.Slot } : {}),
            ...(task.NodeID ? { nodeId: task.NodeID } : {}),
            ...(node ? { node: node.Description.Hostname } : {}),
            state: task.Status.State,
            desiredState: task.DesiredState,
            ...(task.Status.Err ? { error: task.Status.Err } : {}),
            ...(task.Status.Message ? { message: task.Status.Message } : {}),
            ...(task.Status.ContainerStatus?.ContainerID
              ? { containerId: task.Status.ContainerStatus.ContainerID }
              : {}),
            image: task.Spec.ContainerSpec.Image,
            upToDate: upToDate.has(task.ID),
            updatedAt: task.UpdatedAt,
          };
        });
    },

    async logs(name, options = {}) {
      const service = await serviceOrThrow(name);
      return manager.serviceLogs(service.ID, options);
    },

    async *followLogs(name, options) {
      const service = await serviceOrThrow(name);
      yield* manager.followServiceLogs(service.ID, options);
    },

    async metrics(name, metricsOptions = {}) {
      const service = await serviceOrThrow(name);
      const call = metricsOptions.signal ? { signal: metricsOptions.signal } : {};
      const [tasks, nodes] = await Promise.all([
        manager.tasks({ service: [service.ID], 'desired-state': ['running'] }, call),
        nodeNames(),
      ]);
      const running = tasks.filter(
        (task) =>
          task.Status.State === 'running' &&
          task.NodeID &&
          task.Status.ContainerStatus?.ContainerID,
      );
      return Promise.all(
        running.map(async (task): Promise<TaskMetrics> => {
          const node = nodes.get(task.NodeID!);
          if (!node) throw new FlotillaError('notFound', `node ${task.NodeID} is not in the swarm`);
          const engine = await options.engineForNode(node);
          const stats = await engine.containerStats(
            task.Status.ContainerStatus!.ContainerID!,
            call,
          );
          return { taskId: task.ID, nodeId: node.ID, ...containerMetrics(stats) };
        }),
      );
    },

    async remove(name, removeOptions = {}) {
      const timeoutMs = removeOptions.timeoutMs ?? 120_000;
      const service = await manager.service(name);
      const appId = removeOptions.appId ?? service?.Spec.Labels?.[ownerLabels.app] ?? undefined;
      let removed = false;
      if (service) {
        removed = await manager.removeService(service.ID);
        // Removal is asynchronous: tasks (and their containers) go after the call returns.
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const left = await tasksLeft(service.ID);
          if (left.length === 0) break;
          if (Date.now() >= deadline) {
            throw new FlotillaError(
              'commandTimedOut',
              `${left.length} task(s) of ${name} still present ${timeoutMs} ms after removal`,
            );
          }
          await sleep(pollMs);
        }
      }
      const counts = { configs: 0, secrets: 0, networks: 0 };
      if (appId) {
        const label = { label: [`${ownerLabels.app}=${appId}`] };
        for (const kind of ['configs', 'secrets', 'networks'] as const) {
          const objects =
            kind === 'configs'
              ? await manager.configs(label)
              : kind === 'secrets'
                ? await manager.secrets(label)
                : await manager.networks(label);
          for (const object of objects) {
            if (await manager.remove(kind, object.ID)) counts[kind]++;
          }
        }
      }
      return { removed, ...counts } satisfies RemoveResult;
    },
  };
}
