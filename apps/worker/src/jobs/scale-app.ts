// scaleApp: the live service (Kubernetes: Deployment) to the app row's `replicas`, at once,
// watched like a deploy (no
// deployment row: a scale is not a release). The row is read when the job runs, so an older job
// applies the newest count too, and one superseded by a later request stops early. Setting a
// count is idempotent: a resumed job sets the same number again.
import { appsNamespace } from '@flotilla/deploy';
import { errorMessage, FlotillaError } from '@flotilla/errors';
import type { JobData } from '@flotilla/queue';
import { appWorkload, reachKubernetes } from '../apps/kubernetes.ts';
import { type AppRef, appLog, appStep } from '../apps/log.ts';
import { type AppRow, loadApp, pullCredentials } from '../apps/records.ts';
import { reachSwarm } from '../apps/swarm.ts';
import type { Engine } from '../engine.ts';

const scaleFailed = 'scaling failed';

export async function scaleApp(
  engine: Engine,
  { appId, generation }: JobData<'scaleApp'>,
): Promise<void> {
  const app = await loadApp(engine, appId);
  if (!app || app.status === 'deleting' || generation < app.scaleGeneration) return;
  const ref: AppRef = { id: app.id, name: app.name, clusterId: app.clusterId };
  if (app.cluster.orchestrator === 'kubernetes') return scaleOnKubernetes(engine, app);
  const swarm = await reachSwarm(engine, app.clusterId);
  try {
    const live = await swarm.manager.service(app.serviceName);
    if (!live) {
      // Nothing deployed yet: the first deployment starts with the row's count.
      await appLog(
        engine,
        ref,
        'app.scale',
        `${app.replicas} replicas, applied with the first deployment`,
      );
      return;
    }
    const result = await appStep(
      engine,
      ref,
      'app.scale',
      async () =>
        swarm.target.scale(app.serviceName, app.replicas, {
          registry: await pullCredentials(engine, app, live.Spec.TaskTemplate.ContainerSpec.Image),
          pendingTimeoutMs: engine.settings.apps.pendingTimeoutMs,
        }),
      (r) =>
        r.outcome === 'succeeded'
          ? `${app.replicas} replicas running`
          : `not scaled to ${app.replicas} (${r.outcome}: ${r.reason}); ${r.restored ? 'the previous count is back' : 'left as Swarm has it'}`,
    );
    await recordScale(engine, app, result);
  } catch (error) {
    // The app was removed while its scale was watched: nothing is left to scale.
    if (!(await swarm.manager.service(app.serviceName).catch(() => true))) {
      await appLog(engine, ref, 'app.scale', 'the service was removed meanwhile');
      return;
    }
    engine.log.warn({ appId, err: error }, `scale failed: ${errorMessage(error)}`);
    throw error;
  } finally {
    await swarm.close();
  }
}

/** Said on the app until a scale succeeds (a deployment's failure reason is left alone). */
async function recordScale(
  engine: Engine,
  app: AppRow,
  result: { outcome: string; reason?: string },
): Promise<void> {
  await engine.db.app.updateMany({
    where: {
      id: app.id,
      status: { not: 'deleting' },
      ...(result.outcome === 'succeeded' ? { statusReason: { startsWith: scaleFailed } } : {}),
    },
    data: {
      statusReason:
        result.outcome === 'succeeded'
          ? null
          : `${scaleFailed} to ${app.replicas}: ${result.reason ?? result.outcome}`,
    },
  });
}

/** The app's Deployment to the row's replicas, watched as `kubectl rollout status` does. */
async function scaleOnKubernetes(engine: Engine, app: AppRow): Promise<void> {
  const ref: AppRef = { id: app.id, name: app.name, clusterId: app.clusterId };
  const kube = await reachKubernetes(engine, app.clusterId);
  try {
    if (!(await kube.client.get('Deployment', appsNamespace, app.serviceName))) {
      await appLog(
        engine,
        ref,
        'app.scale',
        `${app.replicas} replicas, applied with the first deployment`,
      );
      return;
    }
    const result = await appStep(
      engine,
      ref,
      'app.scale',
      () => kube.target.scale(appWorkload(app), app.replicas),
      (r) =>
        r.outcome === 'succeeded'
          ? `${app.replicas} replicas available`
          : `not scaled to ${app.replicas} (${r.outcome}: ${r.reason}); ${r.restored ? 'the previous count is back' : 'left as the cluster has it'}`,
    );
    await recordScale(engine, app, result);
  } catch (error) {
    // The app was removed while its scale was watched: nothing is left to scale.
    if (error instanceof FlotillaError && error.code === 'notFound') {
      await appLog(engine, ref, 'app.scale', 'the Deployment was removed meanwhile');
      return;
    }
    throw error;
  } finally {
    await kube.close();
  }
}
