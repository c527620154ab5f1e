// removeApp: everything the app made on its cluster goes — its service, every task (removal is
// asynchronous: waited for), the configs, secrets and networks labelled with the app's id; on
// Kubernetes every object owned by the app and its pods — and is verified gone before the rows
// are deleted. Deploys and builds under way see the app
// `deleting` and stop; they are waited for first, so none re-creates the service afterwards.
// Idempotent: a resumed job removes what is left and finds the rest already gone.
import { appsNamespace, objectName, ownerLabels } from '@flotilla/deploy';
import { errorMessage, FlotillaError } from '@flotilla/errors';
import type { JobData } from '@flotilla/queue';
import { appOwner, reachKubernetes } from '../apps/kubernetes.ts';
import { type AppRef, appLog, appStep } from '../apps/log.ts';
import { type AppRow, inFlight, loadApp } from '../apps/records.ts';
import { reachSwarm } from '../apps/swarm.ts';
import type { Attempt, Engine } from '../engine.ts';
import { waitFor } from '../step.ts';

/** Deploys and builds under way stop at their next check (every poll); a killed one on resume. */
const inFlightWaitMs = 3 * 60_000;

export async function removeApp(
  engine: Engine,
  { appId }: JobData<'removeApp'>,
  attempt: Attempt,
): Promise<void> {
  const app = await loadApp(engine, appId);
  if (app?.status !== 'deleting') return;
  const ref: AppRef = { id: app.id, name: app.name, clusterId: app.clusterId };
  try {
    await waitFor(
      async () =>
        (await engine.db.deployment.count({
          where: { appId, status: { in: [...inFlight] } },
        })) === 0 || undefined,
      {
        timeoutMs: inFlightWaitMs,
        intervalMs: 500,
        timeoutMessage: () => 'a deployment of the app is still under way; removal tried again',
      },
    );
    const cluster = await engine.db.cluster.findUnique({
      where: { id: app.clusterId },
      select: { orchestrator: true },
    });
    if (cluster?.orchestrator === 'kubernetes') await removeFromKubernetes(engine, app);
    if (cluster?.orchestrator === 'swarm') {
      const swarm = await reachSwarm(engine, app.clusterId);
      try {
        await appStep(
          engine,
          ref,
          'app.remove',
          async () => {
            const removed = await swarm.target.remove(app.serviceName, { appId });
            // What the servers hold now, not what the calls said.
            const label = { label: [`${ownerLabels.app}=${appId}`] };
            const [service, services, configs, secrets, networks] = await Promise.all([
              swarm.manager.service(app.serviceName),
              swarm.manager.services(label),
              swarm.manager.configs(label),
              swarm.manager.secrets(label),
              swarm.manager.networks(label),
            ]);
            const left = [
              ...(service || services.length ? ['its service'] : []),
              ...(configs.length ? [`${configs.length} config(s)`] : []),
              ...(secrets.length ? [`${secrets.length} secret(s)`] : []),
              ...(networks.length ? [`${networks.length} network(s)`] : []),
            ];
            if (left.length) {
              throw new FlotillaError('commandFailed', `still on the servers: ${left.join(', ')}`);
            }
            return removed;
          },
          (r) =>
            r.removed
              ? `service ${app.serviceName} and its tasks removed` +
                (r.configs + r.secrets + r.networks > 0
                  ? `, with ${r.configs} config(s), ${r.secrets} secret(s), ${r.networks} network(s)`
                  : '') +
                '; nothing of the app is left on the servers'
              : 'nothing of the app was on the servers',
        );
      } finally {
        await swarm.close();
      }
    }
    // Its deployments, builds, logs, uploads and published port go with it.
    await engine.db.app.deleteMany({ where: { id: appId, status: 'deleting' } });
  } catch (error) {
    if (attempt.final) {
      await engine.db.app.updateMany({
        where: { id: appId, status: 'deleting' },
        data: { statusReason: `removal failed: ${errorMessage(error)}` },
      });
    } else {
      await appLog(
        engine,
        ref,
        'app.retry',
        `removal attempt ${attempt.number} failed and will be retried: ${errorMessage(error)}`,
        'warn',
      );
    }
    throw error;
  }
}

/**
 * Deletes exactly the app's objects (selected by its owner label, so other apps' objects and
 * objects made by hand stay), waits until none of them nor their pods is left, and checks again
 * by listing what the owner label still finds.
 */
async function removeFromKubernetes(engine: Engine, app: AppRow): Promise<void> {
  const ref: AppRef = { id: app.id, name: app.name, clusterId: app.clusterId };
  const kube = await reachKubernetes(engine, app.clusterId);
  try {
    await appStep(
      engine,
      ref,
      'app.remove',
      async () => {
        const owner = appOwner(app.id);
        const { deleted } = await kube.target.remove(appsNamespace, owner);
        const [left, pods] = await Promise.all([
          kube.target.live(appsNamespace, owner),
          kube.target.pods(appsNamespace, owner),
        ]);
        if (left.objects.length > 0 || pods.length > 0) {
          throw new FlotillaError(
            'commandFailed',
            `still on the cluster: ${[...left.objects.map(objectName), ...pods.map((p) => `Pod/${p.name}`)].join(', ')}`,
          );
        }
        return deleted;
      },
      (deleted) =>
        deleted.length > 0
          ? `${deleted.join(', ')} deleted, with their pods; nothing of the app is left on the cluster`
          : 'nothing of the app was on the cluster',
    );
  } finally {
    await kube.close();
  }
}
