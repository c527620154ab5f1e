// restartApp: every task replaced with the same spec (Swarm's `TaskTemplate.ForceUpdate`; on
// Kubernetes the `restartedAt` pod-template annotation), one at a time, start-first, watched like
// a deploy; no deployment row (nothing new is released).
//
// Resumable: ForceUpdate is set to the restart's generation (app.restart counts them), not
// incremented, so a job resumed after its worker was killed sees on the service that its
// restart was applied and only judges it — a restart asked for once happens once. Deploys keep
// the live value, so it only grows.

import { appsNamespace } from '@flotilla/deploy';
import {
  DockerApiError,
  type ServiceSpec,
  type SwarmService,
  type SwarmTask,
} from '@flotilla/docker';
import { FlotillaError } from '@flotilla/errors';
import type { JobData } from '@flotilla/queue';
import { appWorkload, reachKubernetes } from '../apps/kubernetes.ts';
import { type AppRef, appLog, appStep } from '../apps/log.ts';
import { type AppRow, loadApp, pullCredentials } from '../apps/records.ts';
import { observeRollout } from '../apps/rollout.ts';
import { reachSwarm } from '../apps/swarm.ts';
import type { Engine } from '../engine.ts';

const restartTimeoutMs = 15 * 60_000;

export async function restartApp(
  engine: Engine,
  { appId, generation }: JobData<'restartApp'>,
): Promise<void> {
  const app = await loadApp(engine, appId);
  if (!app || app.status === 'deleting') return;
  const ref: AppRef = { id: app.id, name: app.name, clusterId: app.clusterId };
  const { apps: settings } = engine.settings;
  if (app.cluster.orchestrator === 'kubernetes')
    return restartOnKubernetes(engine, app, generation);
  const swarm = await reachSwarm(engine, app.clusterId);
  try {
    let live = await swarm.manager.service(app.serviceName);
    if (!live) {
      await appLog(engine, ref, 'app.restart', 'nothing is deployed: nothing to restart');
      return;
    }
    let before: { service: SwarmService; tasks: SwarmTask[] } | undefined;
    if ((live.Spec.TaskTemplate.ForceUpdate ?? 0) >= generation) {
      await appLog(
        engine,
        ref,
        'app.restart',
        `restart ${generation} was applied already: judging it`,
      );
    } else {
      const auth = await pullCredentials(engine, app, live.Spec.TaskTemplate.ContainerSpec.Image);
      const forced = (spec: ServiceSpec): ServiceSpec => ({
        ...spec,
        TaskTemplate: { ...spec.TaskTemplate, ForceUpdate: generation },
      });
      // A change between our read and write is a version conflict: read again.
      for (let attempt = 1; ; attempt++) {
        try {
          before = { service: live, tasks: await swarm.manager.tasks({ service: [live.ID] }) };
          await swarm.manager.updateService(live.ID, live.Version.Index, forced(live.Spec), {
            ...(auth
              ? {
                  auth: {
                    username: auth.username,
                    password: auth.password,
                    serveraddress: auth.server,
                  },
                }
              : {}),
          });
          break;
        } catch (error) {
          const stale =
            error instanceof DockerApiError &&
            (error.statusCode === 409 || /update out of sequence/.test(error.message));
          if (!stale || attempt >= 3) throw error;
          live = await swarm.manager.service(app.serviceName);
          if (!live) throw new FlotillaError('notFound', 'the service was removed meanwhile');
        }
      }
    }
    const service = live;
    const seen = await appStep(
      engine,
      ref,
      'app.restart',
      () =>
        observeRollout(swarm.manager, service, {
          created: false,
          deadline: Date.now() + restartTimeoutMs,
          pendingTimeoutMs: settings.pendingTimeoutMs,
          pollMs: settings.pollMs,
          ...(before ? { before } : {}),
        }),
      (s) =>
        s.outcome === 'succeeded'
          ? 'every task replaced and running'
          : `not every task came back (${s.outcome}: ${s.reason}); Swarm rolls a failed restart back`,
    );
    if (seen.outcome !== 'succeeded' && !seen.gone) {
      await engine.db.app.updateMany({
        where: { id: app.id, status: { not: 'deleting' } },
        data: { statusReason: `restart failed: ${seen.reason ?? seen.outcome}` },
      });
    }
  } finally {
    await swarm.close();
  }
}

/**
 * Every pod replaced as `kubectl rollout restart` does (the `restartedAt` pod-template
 * annotation), with the restart's generation beside it: a resumed job finding it there only
 * watches the rollout.
 */
async function restartOnKubernetes(engine: Engine, app: AppRow, generation: number): Promise<void> {
  const ref: AppRef = { id: app.id, name: app.name, clusterId: app.clusterId };
  const kube = await reachKubernetes(engine, app.clusterId);
  try {
    if (!(await kube.client.get('Deployment', appsNamespace, app.serviceName))) {
      await appLog(engine, ref, 'app.restart', 'nothing is deployed: nothing to restart');
      return;
    }
    const result = await appStep(
      engine,
      ref,
      'app.restart',
      () => kube.target.restart(appWorkload(app), { generation, timeoutMs: restartTimeoutMs }),
      (r) =>
        r.outcome === 'succeeded'
          ? 'every pod replaced and available'
          : `not every pod came back (${r.outcome}: ${r.reason}); ${r.restored ? 'the pods from before the restart are back' : 'left as the cluster has it'}`,
    );
    if (result.outcome !== 'succeeded') {
      await engine.db.app.updateMany({
        where: { id: app.id, status: { not: 'deleting' } },
        data: { statusReason: `restart failed: ${result.reason ?? result.outcome}` },
      });
    }
  } catch (error) {
    if (error instanceof FlotillaError && error.code === 'notFound') {
      await appLog(engine, ref, 'app.restart', 'the Deployment was removed meanwhile');
      return;
    }
    throw error;
  } finally {
    await kube.close();
  }
}
