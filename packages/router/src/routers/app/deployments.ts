// Asking for a deployment: its row (and its build's), and its job through the outbox, in the
// caller's transaction. One deployment is under way per app at a time (the partial unique index
// `Deployment_one_in_flight_per_app` holds it whatever races); a second request is a 409 that
// names the first, which can be waited for or cancelled.
import { newId, type Prisma } from '@flotilla/db';
import { writeOutboxJob } from '@flotilla/queue';
import { conflict } from '../../errors.ts';

type Tx = Prisma.TransactionClient;

export const inFlightStatuses = ['queued', 'building', 'deploying'] as const;

/** How long a deploy may take before the worker gives up and puts the previous spec back. */
export const defaultDeployTimeoutSeconds = 15 * 60;
/** A build comes first and may take this much longer. */
export const buildAllowanceSeconds = 30 * 60;

export interface DeploymentRequest {
  appId: string;
  trigger: 'create' | 'deploy' | 'upload' | 'rollback';
  /** What to deploy; null when a build will produce it. */
  image: string | null;
  build?: {
    source: 'git' | 'upload';
    uploadId?: string;
    repoUrl?: string | null;
    repoBranch?: string | null;
  };
  sourceDeploymentId?: string;
  createdById: string;
  timeoutSeconds?: number;
}

/** Locks the app's row for the rest of the transaction (ordinals, in-flight checks). */
export async function lockApp(tx: Tx, appId: string): Promise<{ status: string }> {
  const [row] = await tx.$queryRaw<{ status: string }[]>`
    select status::text from "App" where id = ${appId} for update`;
  if (!row) throw conflict('The app was removed meanwhile');
  if (row.status === 'deleting') throw conflict('The app is being removed');
  return row;
}

export async function inFlightDeployment(tx: Tx, appId: string) {
  return tx.deployment.findFirst({
    where: { appId, status: { in: [...inFlightStatuses] } },
    select: { id: true, ordinal: true, status: true },
  });
}

function busy(deployment: { id: string; ordinal: number; status: string }) {
  return conflict(
    `Deployment #${deployment.ordinal} (${deployment.id}) is still ${deployment.status}: wait for it, or cancel it with app.cancelDeployment`,
  );
}

/** Refuses while a deployment is under way (call with the app's row locked). */
export async function refuseWhileInFlight(tx: Tx, appId: string): Promise<void> {
  const running = await inFlightDeployment(tx, appId);
  if (running) throw busy(running);
}

/**
 * Writes a deployment row (and a build row) and its job: `buildApp` when there is something to
 * build, else `deployApp`. The app's row must be locked (lockApp) by the caller.
 */
export async function queueDeployment(tx: Tx, request: DeploymentRequest) {
  await refuseWhileInFlight(tx, request.appId);
  const last = await tx.deployment.aggregate({
    where: { appId: request.appId },
    _max: { ordinal: true },
  });
  const id = newId('dep');
  const seconds =
    (request.timeoutSeconds ?? defaultDeployTimeoutSeconds) +
    (request.build ? buildAllowanceSeconds : 0);
  // The app's row lock serialises requests; the partial unique index is the last guard.
  await tx.deployment.create({
    data: {
      id,
      appId: request.appId,
      ordinal: (last._max.ordinal ?? 0) + 1,
      trigger: request.trigger,
      status: 'queued',
      image: request.image,
      sourceDeploymentId: request.sourceDeploymentId ?? null,
      createdById: request.createdById,
      deadlineAt: new Date(Date.now() + seconds * 1000),
    },
  });
  if (request.build) {
    const buildId = newId('bld');
    await tx.build.create({
      data: {
        id: buildId,
        appId: request.appId,
        deploymentId: id,
        source: request.build.source,
        uploadId: request.build.uploadId ?? null,
        repoUrl: request.build.repoUrl ?? null,
        repoBranch: request.build.repoBranch ?? null,
      },
    });
    await writeOutboxJob(tx, 'buildApp', { appId: request.appId, deploymentId: id, buildId });
  } else {
    await writeOutboxJob(tx, 'deployApp', { appId: request.appId, deploymentId: id });
  }
  return id;
}

/**
 * The image of the newest deployment that was applied (active, or superseded since): what a
 * redeploy without a rebuild runs again.
 */
export async function lastAppliedImage(tx: Tx, appId: string): Promise<string | null> {
  const row = await tx.deployment.findFirst({
    where: { appId, status: { in: ['active', 'superseded'] }, image: { not: null } },
    orderBy: { ordinal: 'desc' },
    select: { image: true },
  });
  return row?.image ?? null;
}
