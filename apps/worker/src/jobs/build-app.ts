// buildApp: the build of a git or upload deployment, on the cluster's first answering manager
// (@flotilla/image-build; on Kubernetes, one that runs Docker beside k3s): source → `docker build` → push to the app's registry (else the
// organization's default) as `<registry>/<namespace>/<service>:<deployment id>`. The output goes
// to the build's log line by line as it is printed; then `deployApp` takes the deployment on.
//
// Resumable: the tag names the deployment, so a job resumed after its worker was killed first
// asks the registry whether an earlier attempt pushed it already; only if not is it built (again:
// the build stops whatever the earlier attempt left running on the server first).
import type { Prisma } from '@flotilla/db';
import { DockerApiError, type DockerEngine } from '@flotilla/docker';
import { errorMessage, isRetryable } from '@flotilla/errors';
import { type BuildSource, type BuildStep, buildImage } from '@flotilla/image-build';
import { type JobData, writeOutboxJob } from '@flotilla/queue';
import type { SshSession } from '@flotilla/ssh';
import { reachKubernetes } from '../apps/kubernetes.ts';
import { type AppRef, appLog, appStep, buildLogWriter } from '../apps/log.ts';
import { type AppRow, inFlight, isInFlight, loadApp, pushRegistry } from '../apps/records.ts';
import { watchCancel } from '../apps/rollout.ts';
import { reachSwarm } from '../apps/swarm.ts';
import type { Attempt, Engine } from '../engine.ts';
import { PermanentError } from '../errors.ts';
import { registryCasFor, trustOnSession } from '../servers/registry-ca.ts';

const buildSelect = {
  id: true,
  appId: true,
  deploymentId: true,
  source: true,
  status: true,
  uploadId: true,
  repoUrl: true,
  repoBranch: true,
  deployment: {
    select: { id: true, ordinal: true, status: true, deadlineAt: true, cancelRequestedAt: true },
  },
} satisfies Prisma.BuildSelect;

type BuildRow = Prisma.BuildGetPayload<{ select: typeof buildSelect }>;

/** Log steps of a build, as provisioning names its own. */
const stepNames: Record<BuildStep, string> = {
  prepare: 'app.build.prepare',
  source: 'app.source',
  login: 'app.registry',
  build: 'app.build',
  push: 'app.push',
  digest: 'app.push',
};

export async function buildApp(
  engine: Engine,
  { appId, deploymentId, buildId }: JobData<'buildApp'>,
  attempt: Attempt,
): Promise<void> {
  const build = await engine.db.build.findUnique({ where: { id: buildId }, select: buildSelect });
  if (!build || build.appId !== appId || build.deploymentId !== deploymentId) return;
  // Finished (its deployApp is in the outbox with the success), or its deployment ended meanwhile.
  if (build.status !== 'queued' && build.status !== 'running') return;
  const app = await loadApp(engine, appId);
  if (!app) return;
  const ref: AppRef = { id: app.id, name: app.name, clusterId: app.clusterId };
  if (!isInFlight(build.deployment.status)) {
    await finishBuild(
      engine,
      app,
      build,
      'cancelled',
      `the deployment is ${build.deployment.status}`,
    );
    return;
  }
  try {
    await runBuild(engine, app, build);
  } catch (error) {
    if (attempt.final || !isRetryable(error)) {
      const stopped = (error as { code?: string }).code === 'stopped';
      await finishBuild(engine, app, build, stopped ? 'cancelled' : 'failed', errorMessage(error));
    } else {
      await appLog(
        engine,
        ref,
        'app.retry',
        `build attempt ${attempt.number} failed and will be retried: ${errorMessage(error)}`,
        'warn',
        build.deployment.ordinal,
      );
    }
    throw error;
  }
}

/** A repository path segment from a registry user name (Docker Hub and GHCR want the account). */
function namespaceOf(username: string | null): string {
  const cleaned = (username ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return cleaned || 'flotilla';
}

async function runBuild(engine: Engine, app: AppRow, build: BuildRow): Promise<void> {
  const ref: AppRef = { id: app.id, name: app.name, clusterId: app.clusterId };
  const n = build.deployment.ordinal;
  const now = new Date();
  await engine.db.$transaction([
    engine.db.build.updateMany({
      where: { id: build.id, status: { in: ['queued', 'running'] } },
      data: { status: 'running', startedAt: now },
    }),
    engine.db.deployment.updateMany({
      where: { id: build.deploymentId, status: { in: [...inFlight] } },
      data: { status: 'building', startedAt: now },
    }),
    engine.db.app.updateMany({
      where: { id: app.id, status: { not: 'deleting' } },
      data: { status: 'building', statusReason: null },
    }),
  ]);
  const registry = await pushRegistry(engine, app);
  if (!registry) {
    throw new PermanentError(
      'no registry to push the build to: add one (registry.create) and make it the default (registry.setDefault), or set the app’s',
    );
  }
  const image = `${registry.server}/${namespaceOf(registry.username)}/${app.serviceName}:${build.deploymentId}`;
  const swarm = await appStep(
    engine,
    ref,
    'app.connect',
    () => reachBuildHost(engine, app),
    (s) => `manager ${s.managerName} answers; building there`,
    n,
  );
  const cancel = watchCancel(engine, build.deploymentId, engine.settings.apps.pollMs);
  const log = buildLogWriter(engine, build.id);
  try {
    // The builder pushes to a registry and may pull its base from any of the organization's:
    // the CAs of those with one, on the builder before anything talks to them.
    await trustOnSession(
      swarm.session,
      swarm.managerName,
      await registryCasFor(engine, app.organizationId),
      (message, level) => appLog(engine, ref, 'registry.ca', message, level, n),
    );
    const auth = registry.credentials
      ? {
          username: registry.credentials.username,
          password: registry.credentials.password,
          serveraddress: registry.credentials.server,
        }
      : undefined;
    const pushed = await swarm.manager
      .distribution(image, auth ? { auth } : {})
      .catch((error: unknown) => {
        // The registry has no such tag (registries answer 404, 401 or 500 for that through the
        // engine): it has to be built. An engine that does not answer is another matter.
        if (error instanceof DockerApiError && error.statusCode !== undefined) return null;
        throw error;
      });
    let digest: string;
    let commit: string | undefined;
    if (pushed) {
      digest = pushed.digest;
      log.line(`==> ${image} is in the registry already (pushed by an earlier attempt): ${digest}`);
      await appLog(
        engine,
        ref,
        'app.push',
        `${image} was pushed by an earlier attempt: ${digest}`,
        'info',
        n,
      );
    } else {
      const source = await sourceOf(engine, app, build);
      const result = await buildImage(swarm.session, {
        buildId: build.id,
        source,
        image,
        ...(registry.credentials ? { registry: registry.credentials } : {}),
        ...(app.buildCommand ? { buildCommand: app.buildCommand } : {}),
        ...(engine.settings.apps.buildBaseImage
          ? { baseImage: engine.settings.apps.buildBaseImage }
          : {}),
        labels: { 'dev.flotilla.app-id': app.id, 'dev.flotilla.deployment-id': build.deploymentId },
        timeoutMs: Math.max(1_000, build.deployment.deadlineAt.getTime() - Date.now()),
        signal: cancel.signal,
        onLine: (line) => log.line(line.text),
        onStep: (step, detail, ms) => {
          log.line(`==> ${step}: ${detail} (${ms} ms)`);
          void appLog(engine, ref, stepNames[step], `${detail} (${ms} ms)`, 'info', n);
        },
      });
      digest = result.digest;
      commit = result.commit;
    }
    await log.flush();
    const pinned = `${image}@${digest}`;
    await engine.db.$transaction(async (tx) => {
      const { count } = await tx.build.updateMany({
        where: { id: build.id, status: 'running' },
        data: {
          status: 'succeeded',
          image: pinned,
          finishedAt: new Date(),
          ...(commit ? { commit } : {}),
        },
      });
      if (count === 0) return;
      await tx.deployment.updateMany({
        where: { id: build.deploymentId, status: { in: [...inFlight] } },
        data: { status: 'deploying', image },
      });
      // The tarball is in the registry now, as an image; nothing reads it again.
      if (build.uploadId) await tx.sourceUpload.deleteMany({ where: { id: build.uploadId } });
      await writeOutboxJob(tx, 'deployApp', { appId: app.id, deploymentId: build.deploymentId });
    });
  } catch (error) {
    const why = cancel.reason();
    log.line(`==> build ${why ? `stopped: ${why}` : `failed: ${errorMessage(error)}`}`, 'error');
    await log.flush();
    throw error;
  } finally {
    cancel.stop();
    await swarm.close();
  }
}

/**
 * Where the build runs: the first answering manager's Docker engine. On Kubernetes that is the
 * first manager whose API server answers, if it runs Docker beside k3s (k3s itself runs
 * containerd only, which has no `docker build`); the image goes to the registry either way and
 * the cluster pulls it from there.
 */
async function reachBuildHost(
  engine: Engine,
  app: AppRow,
): Promise<{
  manager: DockerEngine;
  session: SshSession;
  managerName: string;
  close(): Promise<void>;
}> {
  if (app.cluster.orchestrator !== 'kubernetes') return reachSwarm(engine, app.clusterId);
  const kube = await reachKubernetes(engine, app.clusterId);
  const docker = await kube.docker();
  if (!docker) {
    await kube.close();
    throw new PermanentError(
      `builds run docker build on the cluster's first manager, and ${kube.managerName} runs no Docker engine (k3s itself runs containerd only): install Docker there, or build the image elsewhere and deploy it as an image app`,
    );
  }
  return {
    manager: docker,
    session: kube.session,
    managerName: kube.managerName,
    close: kube.close,
  };
}

async function sourceOf(engine: Engine, app: AppRow, build: BuildRow): Promise<BuildSource> {
  if (build.source === 'git') {
    const url = build.repoUrl ?? app.repoUrl;
    if (!url) throw new PermanentError('the app has no repository URL');
    return { type: 'git', url, branch: build.repoBranch ?? app.repoBranch ?? 'main' };
  }
  if (!build.uploadId) throw new PermanentError('the uploaded source is gone');
  const chunks = await engine.db.sourceUploadChunk.findMany({
    where: { uploadId: build.uploadId },
    orderBy: { seq: 'asc' },
    select: { data: true },
  });
  if (chunks.length === 0) throw new PermanentError('the uploaded source is gone');
  return { type: 'upload', tarball: Buffer.concat(chunks.map((c) => Buffer.from(c.data))) };
}

async function finishBuild(
  engine: Engine,
  app: AppRow,
  build: BuildRow,
  status: 'failed' | 'cancelled',
  reason: string,
): Promise<void> {
  const now = new Date();
  const { count } = await engine.db.build.updateMany({
    where: { id: build.id, status: { in: ['queued', 'running'] } },
    data: { status, reason, finishedAt: now },
  });
  if (count === 0) return;
  const deploymentReason = status === 'failed' ? `the build failed: ${reason}` : reason;
  await engine.db.deployment.updateMany({
    where: { id: build.deploymentId, status: { in: [...inFlight] } },
    data: { status, reason: deploymentReason, finishedAt: now },
  });
  if (build.uploadId) {
    await engine.db.sourceUpload
      .deleteMany({ where: { id: build.uploadId } })
      .catch(() => undefined);
  }
  const serving =
    (await engine.db.deployment.count({ where: { appId: app.id, status: 'active' } })) > 0;
  await engine.db.app.updateMany({
    where: { id: app.id, status: { not: 'deleting' } },
    data:
      status === 'cancelled' && serving
        ? { status: 'running', statusReason: `deployment #${build.deployment.ordinal} cancelled` }
        : {
            status: 'failed',
            statusReason: `deployment #${build.deployment.ordinal} ${status}: ${deploymentReason}`,
          },
  });
  await appLog(
    engine,
    { id: app.id, name: app.name, clusterId: app.clusterId },
    'app.build',
    `${status}: ${reason}`,
    'error',
    build.deployment.ordinal,
  );
}
