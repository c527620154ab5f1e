// deployApp: one deployment row from `queued` to `active`, `failed` or `cancelled`, as the
// servers prove it. Plan (the image's digest, the full spec) → stored on the row → applied on
// the cluster's first answering manager → watched until Swarm says it came up, or not. A failed
// deployment leaves the previous one serving (Swarm rolls back; a stuck, timed-out or cancelled
// one is put back by us). Rollbacks apply a stored deployment's spec again: no re-resolve, no
// rebuild.
//
// Resumable: the service carries the id of the deployment whose spec it runs, so a job resumed
// after its worker was killed first reads what the servers hold — its spec already applied
// (judge it, never apply it twice), applied and taken back (it failed), or not yet applied.
import { appsNamespace, objectName, type StoredSpec, startFailuresOnly } from '@flotilla/deploy';
import { errorMessage, isRetryable } from '@flotilla/errors';
import type { JobData } from '@flotilla/queue';
import {
  type AppKubernetes,
  appObjectsOf,
  isKubernetesSpec,
  type KubernetesAppSpec,
  deploymentOf as kubernetesDeploymentOf,
  openKubernetesSpec,
  pinImage,
  reachKubernetes,
  reappliedAs as reappliedOnKubernetes,
  sealKubernetesSpec,
  withPullSecret,
} from '../apps/kubernetes.ts';
import { type AppRef, appLog, appStep } from '../apps/log.ts';
import {
  type AppRow,
  type DeploymentRow,
  deploymentSelect,
  inFlight,
  isInFlight,
  loadApp,
  pullCredentials,
} from '../apps/records.ts';
import { observeRollout, watchCancel } from '../apps/rollout.ts';
import {
  appSpecOf,
  deploymentLabel,
  deploymentOf,
  markedAs,
  openStoredSpec,
  reappliedAs,
  sealStoredSpec,
  secretNamesOf,
} from '../apps/spec.ts';
import { type AppSwarm, reachSwarm } from '../apps/swarm.ts';
import { boundNetworks } from '../databases/app-env.ts';
import type { Attempt, Engine } from '../engine.ts';
import { PermanentError } from '../errors.ts';
import { registryCasFor, trustOnCluster } from '../servers/registry-ca.ts';

/** How a deployment ended, in the words stored on its row. */
interface Outcome {
  outcome: 'succeeded' | 'failed' | 'timedOut' | 'cancelled';
  reason?: string;
  /** After a failure: the previous deployment serves again. */
  restored?: boolean;
}

/** Putting the previous spec back is never cancelled, and has a deadline of its own. */
const restoreTimeoutMs = 10 * 60_000;

export async function deployApp(
  engine: Engine,
  { appId, deploymentId }: JobData<'deployApp'>,
  attempt: Attempt,
): Promise<void> {
  const deployment = await engine.db.deployment.findUnique({
    where: { id: deploymentId },
    select: deploymentSelect,
  });
  if (!deployment || deployment.appId !== appId || !isInFlight(deployment.status)) return;
  // A build comes first; its job enqueues this one once the image is pushed.
  if (deployment.build && deployment.build.status !== 'succeeded') return;
  const app = await loadApp(engine, appId);
  if (!app) return;
  const ref: AppRef = { id: app.id, name: app.name, clusterId: app.clusterId };
  try {
    const outcome = await runDeployment(engine, app, deployment);
    await finishDeployment(engine, app, deployment, outcome);
  } catch (error) {
    if (attempt.final || !isRetryable(error)) {
      await finishDeployment(engine, app, deployment, {
        outcome: 'failed',
        reason: errorMessage(error),
      });
    } else {
      await appLog(
        engine,
        ref,
        'app.retry',
        `attempt ${attempt.number} failed and will be retried: ${errorMessage(error)}`,
        'warn',
        deployment.ordinal,
      );
    }
    throw error;
  }
}

async function runDeployment(
  engine: Engine,
  app: AppRow,
  deployment: DeploymentRow,
): Promise<Outcome> {
  const ref: AppRef = { id: app.id, name: app.name, clusterId: app.clusterId };
  const { apps: settings } = engine.settings;
  const n = deployment.ordinal;
  if (deployment.cancelRequestedAt && !deployment.startedAt) {
    return { outcome: 'cancelled', reason: 'cancelled before it started' };
  }
  if (app.status === 'deleting')
    return { outcome: 'cancelled', reason: 'the app is being removed' };
  await engine.db.deployment.updateMany({
    where: { id: deployment.id, status: { in: [...inFlight] } },
    data: { status: 'deploying', startedAt: deployment.startedAt ?? new Date() },
  });
  await engine.db.app.updateMany({
    where: { id: app.id, status: { not: 'deleting' } },
    data: { status: 'deploying', statusReason: null },
  });
  if (app.cluster.orchestrator === 'kubernetes') return runOnKubernetes(engine, app, deployment);
  await trustRegistries(engine, app, deployment);

  const swarm = await appStep(
    engine,
    ref,
    'app.connect',
    () => reachSwarm(engine, app.clusterId),
    (s) => `manager ${s.managerName} answers`,
    n,
  );
  const cancel = watchCancel(engine, deployment.id, settings.pollMs);
  try {
    const deadline = deployment.deadlineAt.getTime();
    const progress = progressLog(engine, ref, n);
    const previous = await engine.db.deployment.findFirst({
      where: { appId: app.id, status: 'active', id: { not: deployment.id } },
      select: { id: true, ordinal: true, spec: true, secretEnvEncrypted: true },
    });
    const live = await swarm.manager.service(app.serviceName);
    // The previous deployment's spec, applied again (by us: Swarm's own rollback already happened).
    const restore = async (): Promise<boolean> => {
      if (!previous?.spec) return false;
      // As it was, at the replica count the app has now (a scale since is not taken back).
      const stored = reappliedAs(
        openStoredSpec(engine, previous).stored,
        previous.id,
        app.replicas,
      );
      const result = await appStep(
        engine,
        ref,
        'app.rollback',
        async () =>
          swarm.target.rollbackTo(stored, {
            registry: await pullCredentials(engine, app, stored.image),
            timeoutMs: restoreTimeoutMs,
            pendingTimeoutMs: settings.pendingTimeoutMs,
          }),
        (r) => `deployment #${previous.ordinal} applied again: ${r.outcome}`,
        n,
      );
      return result.outcome === 'succeeded';
    };

    if (live && deploymentOf(live.Spec) === deployment.id) {
      await appLog(
        engine,
        ref,
        'app.converge',
        `the service already runs this deployment's spec (an earlier attempt applied it): judging it`,
        'info',
        n,
      );
      const seen = await observeRollout(swarm.manager, live, {
        created: !previous,
        deadline,
        pendingTimeoutMs: settings.pendingTimeoutMs,
        pollMs: settings.pollMs,
        signal: cancel.signal,
        onProgress: progress,
      });
      const outcome = seen.outcome === 'cancelled' ? cancelled(cancel.reason()) : seen;
      return seen.outcome !== 'succeeded' && seen.restore
        ? { ...outcome, restored: await restore() }
        : outcome;
    }
    const ownTasks = live
      ? (await swarm.manager.tasks({ service: [live.ID] })).filter(
          (task) => task.Spec.ContainerSpec.Labels?.[deploymentLabel] === deployment.id,
        )
      : [];
    if (live && ownTasks.length > 0) {
      // Its tasks exist, but the service runs another spec: Swarm rolled it back, or an earlier
      // attempt put the previous one back (timed out, cancelled) before it could record why.
      const state = live.UpdateStatus?.State ?? '';
      if (state === 'rollback_started') {
        await observeRollout(swarm.manager, live, {
          created: false,
          deadline: Date.now() + restoreTimeoutMs,
          pendingTimeoutMs: settings.pendingTimeoutMs,
          pollMs: settings.pollMs,
          onProgress: progress,
        });
      }
      const message = live.UpdateStatus?.Message;
      const errors = [
        ...new Set(ownTasks.flatMap((task) => (task.Status.Err ? [task.Status.Err] : []))),
      ];
      if (state.startsWith('rollback') && startFailuresOnly(errors)) {
        // Swarm undid it because the runtime could not start a container, not because of the
        // release: applied once more below, as an uninterrupted deploy does (target.ts).
        await appLog(
          engine,
          ref,
          'app.converge',
          `rolled back by Swarm while no worker watched, because the runtime failed to start a container (${errors.join('; ')}): applying it once more`,
          'warn',
          n,
        );
      } else {
        return {
          outcome: 'failed',
          reason:
            (state.startsWith('rollback')
              ? `rolled back by Swarm${message ? `: ${message}` : ''}`
              : 'taken back before the worker that applied it could record why') +
            (errors.length ? `; tasks: ${errors.join('; ')}` : ''),
          restored: true,
        };
      }
    }

    const stored = await appStep(
      engine,
      ref,
      'app.plan',
      () => planDeployment(engine, swarm, app, deployment, cancel.signal),
      (s) => `${s.image} pinned as ${s.spec.TaskTemplate.ContainerSpec.Image}; spec stored`,
      n,
    );
    if (cancel.signal.aborted) return cancelled(cancel.reason());
    await appLog(
      engine,
      ref,
      'app.apply',
      `${live ? 'updating' : 'creating'} service ${app.serviceName} on ${swarm.managerName} (${stored.spec.Mode?.Replicated?.Replicas ?? 0} replicas, start-first, rollback on failure)`,
      'info',
      n,
    );
    const result = await swarm.target.rollbackTo(stored, {
      registry: await pullCredentials(engine, app, stored.image),
      timeoutMs: Math.max(1_000, deadline - Date.now()),
      pendingTimeoutMs: settings.pendingTimeoutMs,
      signal: cancel.signal,
      onProgress: progress,
    });
    if (result.outcome === 'cancelled') {
      return { ...cancelled(cancel.reason()), restored: result.restored };
    }
    return {
      outcome: result.outcome,
      ...(result.reason ? { reason: result.reason } : {}),
      restored: result.restored,
    };
  } finally {
    cancel.stop();
    await swarm.close();
  }
}

/**
 * The CAs of the private registries the deployment pulls from, on every node that may pull (the
 * manager too: it resolves the digest). A rollback's image is on its row.
 */
async function trustRegistries(
  engine: Engine,
  app: AppRow,
  deployment: DeploymentRow,
): Promise<void> {
  const images = [deployment.build?.image, deployment.image, app.imageUrl];
  const cas = await registryCasFor(engine, app.organizationId, images);
  const ref: AppRef = { id: app.id, name: app.name, clusterId: app.clusterId };
  await trustOnCluster(engine, app.clusterId, cas, (message, level) =>
    appLog(engine, ref, 'registry.ca', message, level, deployment.ordinal),
  );
}

function cancelled(why: string | undefined): Outcome {
  return { outcome: 'cancelled', reason: why ?? 'cancelled' };
}

/**
 * The spec this deployment applies, stored on its row before anything changes on the servers
 * (an earlier attempt's stored spec is used as it is).
 */
async function planDeployment(
  engine: Engine,
  swarm: AppSwarm,
  app: AppRow,
  deployment: DeploymentRow,
  signal: AbortSignal,
): Promise<StoredSpec> {
  if (deployment.spec) return openStoredSpec(engine, deployment).stored;
  let stored: StoredSpec;
  let secretNames: string[];
  if (deployment.trigger === 'rollback') {
    const opened = openStoredSpec(engine, await rollbackSource(engine, deployment));
    stored = reappliedAs(opened.stored, deployment.id, app.replicas);
    secretNames = opened.secretNames;
  } else {
    // A build's image is pinned already; a tag is resolved to the digest the registry serves now.
    const image = deployment.build?.image ?? deployment.image ?? app.imageUrl;
    if (!image) throw new PermanentError('there is no image to deploy');
    // Issue 17: the networks of the managed databases bound to it.
    const networks = await boundNetworks(engine, app.id);
    const planned = await swarm.target.plan(appSpecOf(engine, app, image, networks), {
      registry: await pullCredentials(engine, app, image),
      signal,
    });
    stored = markedAs(planned, deployment.id);
    secretNames = secretNamesOf(engine, app);
  }
  const sealed = sealStoredSpec(engine, deployment.id, stored, secretNames);
  await engine.db.deployment.updateMany({
    where: { id: deployment.id, status: 'deploying' },
    data: {
      spec: sealed.spec,
      secretEnvEncrypted: sealed.secretEnvEncrypted,
      imageDigest: stored.spec.TaskTemplate.ContainerSpec.Image,
      ...(deployment.image ? {} : { image: stored.image }),
    },
  });
  return stored;
}

/**
 * The deployment on a Kubernetes cluster: its objects built (or taken from the deployment rolled
 * back to) and stored on the row, then applied with server-side apply and judged as `kubectl
 * rollout status` judges them. Kubernetes does not roll back a stalled rollout: a failed, timed
 * out or cancelled one has the objects that were live before applied again.
 *
 * Resumable: the Deployment names the deployment whose objects it runs. A resumed job finding
 * its own there applies them again — server-side apply of identical objects changes nothing, so
 * this only judges them — and, if they fail, puts back the previous deployment's stored objects.
 */
async function runOnKubernetes(
  engine: Engine,
  app: AppRow,
  deployment: DeploymentRow,
): Promise<Outcome> {
  const ref: AppRef = { id: app.id, name: app.name, clusterId: app.clusterId };
  const { apps: settings } = engine.settings;
  const n = deployment.ordinal;
  const kube = await appStep(
    engine,
    ref,
    'app.connect',
    () => reachKubernetes(engine, app.clusterId),
    (k) => `manager ${k.managerName} answers (Kubernetes API through SSH)`,
    n,
  );
  await trustRegistries(engine, app, deployment);
  const cancel = watchCancel(engine, deployment.id, settings.pollMs);
  try {
    const deadline = deployment.deadlineAt.getTime();
    const live = await kube.client.get('Deployment', appsNamespace, app.serviceName);
    const resumed = deployment.spec !== null && kubernetesDeploymentOf(live) === deployment.id;
    let stored: KubernetesAppSpec;
    if (resumed) {
      await appLog(
        engine,
        ref,
        'app.converge',
        `the cluster already runs this deployment's objects (an earlier attempt applied them): judging them`,
        'info',
        n,
      );
      stored = openKubernetesSpec(engine, deployment);
    } else {
      stored = await appStep(
        engine,
        ref,
        'app.plan',
        () => planOnKubernetes(engine, kube, app, deployment),
        (s) =>
          `${s.image} ${containerImageOf(s)?.includes('@') ? `pinned as ${containerImageOf(s)}` : 'applied by its tag (no Docker engine on the manager to resolve its digest)'}; ${s.objects.length} objects stored`,
        n,
      );
    }
    if (cancel.signal.aborted) return cancelled(cancel.reason());
    if (!resumed) {
      await appLog(
        engine,
        ref,
        'app.apply',
        `applying ${stored.objects.map(objectName).join(', ')} in ${stored.namespace} on ${kube.managerName} (server-side apply; a new pod ready before an old one goes)`,
        'info',
        n,
      );
    }
    const result = await kube.target.apply(await withPullSecret(engine, app, stored), {
      timeoutMs: Math.max(1_000, deadline - Date.now()),
      signal: cancel.signal,
      onProgress: progressLog(engine, ref, n),
      // Resumed, the objects live before this apply are its own: the previous deployment's
      // stored objects are what goes back (below).
      restoreOnFailure: !resumed,
    });
    if (result.pruned.length > 0) {
      await appLog(
        engine,
        ref,
        'app.apply',
        `${result.pruned.join(', ')} deleted: no longer declared`,
        'info',
        n,
      );
    }
    let restored = result.restored;
    if (result.outcome !== 'succeeded' && resumed) {
      restored = await restoreOnKubernetes(engine, kube, app, deployment);
    } else if (result.outcome !== 'succeeded' && result.previous) {
      await appLog(
        engine,
        ref,
        'app.rollback',
        `the objects live before were applied again: ${restored ? 'rolled out' : 'did not roll out'}`,
        restored ? 'info' : 'error',
        n,
      );
    }
    if (result.outcome === 'cancelled') return { ...cancelled(cancel.reason()), restored };
    return {
      outcome: result.outcome,
      ...(result.reason ? { reason: result.reason } : {}),
      restored,
    };
  } finally {
    cancel.stop();
    await kube.close();
  }
}

/** The previous (active) deployment's stored objects applied again, at today's replicas. */
async function restoreOnKubernetes(
  engine: Engine,
  kube: AppKubernetes,
  app: AppRow,
  deployment: DeploymentRow,
): Promise<boolean> {
  const previous = await engine.db.deployment.findFirst({
    where: { appId: app.id, status: 'active', id: { not: deployment.id } },
    select: { id: true, ordinal: true, spec: true, secretEnvEncrypted: true },
  });
  if (!previous?.spec || !isKubernetesSpec(previous.spec)) return false;
  const stored = reappliedOnKubernetes(
    openKubernetesSpec(engine, previous),
    previous.id,
    app.replicas,
  );
  const result = await appStep(
    engine,
    { id: app.id, name: app.name, clusterId: app.clusterId },
    'app.rollback',
    async () =>
      kube.target.rollbackTo(await withPullSecret(engine, app, stored), {
        timeoutMs: restoreTimeoutMs,
        restoreOnFailure: false,
      }),
    (r) => `deployment #${previous.ordinal} applied again: ${r.outcome}`,
    deployment.ordinal,
  );
  return result.outcome === 'succeeded';
}

/** The Deployment's container image (pinned `repo:tag@sha256:…` when it was resolved). */
function containerImageOf(stored: KubernetesAppSpec): string | undefined {
  const workload = stored.objects.find((o) => o.kind === 'Deployment') as
    | { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } }
    | undefined;
  return workload?.spec?.template?.spec?.containers?.[0]?.image;
}

/**
 * The objects this deployment applies, stored on its row (Secret data sealed apart) before
 * anything changes on the cluster; an earlier attempt's stored objects are used as they are.
 */
async function planOnKubernetes(
  engine: Engine,
  kube: AppKubernetes,
  app: AppRow,
  deployment: DeploymentRow,
): Promise<KubernetesAppSpec> {
  if (deployment.spec) return openKubernetesSpec(engine, deployment);
  let stored: KubernetesAppSpec;
  if (deployment.trigger === 'rollback') {
    const source = await rollbackSource(engine, deployment);
    if (!isKubernetesSpec(source.spec)) {
      throw new PermanentError('the deployment rolled back to was not made on Kubernetes');
    }
    stored = reappliedOnKubernetes(openKubernetesSpec(engine, source), deployment.id, app.replicas);
  } else {
    // A build's image is pinned already; a tag is resolved to the digest the registry serves now.
    const image = deployment.build?.image ?? deployment.image ?? app.imageUrl;
    if (!image) throw new PermanentError('there is no image to deploy');
    const registry = await pullCredentials(engine, app, image);
    const pinned = await pinImage(kube, image, registry);
    stored = appObjectsOf(engine, app, pinned ?? image, image, deployment.id, registry);
  }
  const sealed = sealKubernetesSpec(engine, deployment.id, stored);
  const applied = containerImageOf(stored);
  await engine.db.deployment.updateMany({
    where: { id: deployment.id, status: 'deploying' },
    data: {
      spec: sealed.spec,
      secretEnvEncrypted: sealed.secretEnvEncrypted,
      imageDigest: applied?.includes('@sha256:') ? applied : null,
      ...(deployment.image ? {} : { image: stored.image }),
    },
  });
  return stored;
}

/** The deployment a rollback applies again, with its stored spec. */
async function rollbackSource(engine: Engine, deployment: DeploymentRow) {
  const source = deployment.sourceDeploymentId
    ? await engine.db.deployment.findUnique({
        where: { id: deployment.sourceDeploymentId },
        select: { id: true, spec: true, secretEnvEncrypted: true },
      })
    : null;
  if (!source?.spec) throw new PermanentError('the deployment rolled back to has no stored spec');
  return { ...source, spec: source.spec };
}

/** Progress lines while a rollout converges: each change of state, at most one a second. */
function progressLog(engine: Engine, app: AppRef, ordinal: number) {
  let last = '';
  let lastAt = 0;
  return (detail: string) => {
    if (detail === last || Date.now() - lastAt < 1_000) return;
    last = detail;
    lastAt = Date.now();
    void appLog(engine, app, 'app.converge', detail, 'info', ordinal);
  };
}

/** Writes the outcome: the deployment, the one it superseded, and the app's summary status. */
async function finishDeployment(
  engine: Engine,
  app: AppRow,
  deployment: DeploymentRow,
  result: Outcome,
): Promise<void> {
  const ref: AppRef = { id: app.id, name: app.name, clusterId: app.clusterId };
  const now = new Date();
  const n = deployment.ordinal;
  if (result.outcome === 'succeeded') {
    const done = await engine.db.$transaction(async (tx) => {
      // One active deployment per app (a partial unique index): the old one steps down first.
      await tx.deployment.updateMany({
        where: { appId: app.id, status: 'active', id: { not: deployment.id } },
        data: { status: 'superseded' },
      });
      const { count } = await tx.deployment.updateMany({
        where: { id: deployment.id, status: { in: [...inFlight] } },
        data: { status: 'active', reason: null, finishedAt: now },
      });
      if (count === 0) return false;
      await tx.app.updateMany({
        where: { id: app.id, status: { not: 'deleting' } },
        data: { status: 'running', statusReason: null, lastDeployAt: now },
      });
      return true;
    });
    if (done)
      await appLog(
        engine,
        ref,
        'app.converge',
        app.cluster.orchestrator === 'kubernetes'
          ? 'active: rolled out, every replica available, as the Deployment reports'
          : 'active: every replica up, as Swarm reports',
        'info',
        n,
      );
    return;
  }
  const status = result.outcome === 'cancelled' ? 'cancelled' : 'failed';
  const hadPrevious =
    (await engine.db.deployment.count({
      where: { appId: app.id, status: 'active', id: { not: deployment.id } },
    })) > 0;
  const reason = `${result.reason ?? status}${
    result.restored ? '; the previous deployment serves again' : ''
  }`;
  const { count } = await engine.db.deployment.updateMany({
    where: { id: deployment.id, status: { in: [...inFlight] } },
    data: { status, reason, finishedAt: now },
  });
  if (count === 0) return;
  await engine.db.app.updateMany({
    where: { id: app.id, status: { not: 'deleting' } },
    data:
      status === 'cancelled' && hadPrevious
        ? { status: 'running', statusReason: `deployment #${n} cancelled` }
        : { status: 'failed', statusReason: `deployment #${n} ${status}: ${reason}` },
  });
  await appLog(engine, ref, 'app.converge', `${status}: ${reason}`, 'error', n);
}
