// Versions and runs as stack.deploy, stack.restore and stack.import write them: a version only
// when the definition changed since the newest one, a run with its job through the outbox, all
// in the caller's transaction. One run is under way per stack at a time (the partial unique
// index `StackRun_one_in_flight_per_stack` holds it whatever races); a second request is a 409
// naming the first.

import type { StackDefinition } from '@flotilla/compose';
import { newId, type Prisma } from '@flotilla/db';
import { writeOutboxJob } from '@flotilla/queue';
import {
  type Sealer,
  stackVersionDefinitionContext,
  stackVersionRenderedContext,
} from '@flotilla/secrets';
import { conflict } from '../../errors.ts';

type Tx = Prisma.TransactionClient;

/** How long a run may take before the worker gives up (and puts the previous version back). */
export const defaultRunTimeoutSeconds = 15 * 60;

/**
 * Locks the stack's row for the rest of the transaction and refuses a stack on its way out, an
 * archived one (for deploys), or a cluster being deleted.
 */
export async function lockStack(
  tx: Tx,
  stackId: string,
  purpose: 'deploy' | 'change',
): Promise<{ status: string; clusterId: string }> {
  const [row] = await tx.$queryRaw<
    { status: string; clusterId: string; removing: boolean; clusterStatus: string }[]
  >`
    select s.status::text, s."clusterId", s."removeRequestedAt" is not null as removing,
      c.status::text as "clusterStatus"
    from "Stack" s join "Cluster" c on c.id = s."clusterId"
    where s.id = ${stackId} for update of s`;
  if (!row) throw conflict('The stack was removed meanwhile');
  if (row.removing) throw conflict('The stack is being removed');
  if (purpose === 'deploy') {
    if (row.status === 'archived') {
      throw conflict('The stack is archived: set it to draft or published to deploy it');
    }
    if (row.clusterStatus === 'deleting') throw conflict('The cluster is being deleted');
  }
  return row;
}

export async function refuseWhileRunning(tx: Tx, stackId: string): Promise<void> {
  const running = await tx.stackRun.findFirst({
    where: { stackId, status: { in: ['queued', 'deploying'] } },
    select: { id: true, ordinal: true, status: true },
  });
  if (running) {
    throw conflict(
      `Run #${running.ordinal} (${running.id}) is still ${running.status}: wait for it to finish`,
    );
  }
}

export interface VersionContent {
  compose: string;
  profiles: string[];
  variableNames: string[];
  definition: StackDefinition;
  rendered: string;
  digest: string;
}

/** The newest version when it deploys exactly this, else a new one. */
export async function versionFor(
  tx: Tx,
  sealer: Sealer,
  stackId: string,
  content: VersionContent,
  createdById: string,
): Promise<{ id: string; ordinal: number; created: boolean }> {
  const newest = await tx.stackVersion.findFirst({
    where: { stackId },
    orderBy: { ordinal: 'desc' },
    select: { id: true, ordinal: true, digest: true },
  });
  if (newest && newest.digest === content.digest) {
    return { id: newest.id, ordinal: newest.ordinal, created: false };
  }
  const id = newId('stv');
  const ordinal = (newest?.ordinal ?? 0) + 1;
  await tx.stackVersion.create({
    data: {
      id,
      stackId,
      ordinal,
      compose: content.compose,
      profiles: content.profiles,
      variableNames: content.variableNames,
      definitionEncrypted: sealer.seal(
        JSON.stringify(content.definition),
        stackVersionDefinitionContext(id),
      ),
      renderedEncrypted: sealer.seal(content.rendered, stackVersionRenderedContext(id)),
      digest: content.digest,
      services: Object.keys(content.definition.services),
      createdById,
    },
  });
  return { id, ordinal, created: true };
}

export interface RunRequest {
  stackId: string;
  clusterId: string;
  versionId: string;
  trigger: 'deploy' | 'restore';
  /** service → image pinned by digest (restore: as the version last ran). */
  pinnedImages?: Record<string, string>;
  createdById: string;
  timeoutSeconds?: number;
}

/** Writes a run and its `deployStack` job; the stack's row must be locked (lockStack). */
export async function queueRun(tx: Tx, request: RunRequest): Promise<string> {
  await refuseWhileRunning(tx, request.stackId);
  const last = await tx.stackRun.aggregate({
    where: { stackId: request.stackId },
    _max: { ordinal: true },
  });
  const id = newId('run');
  const seconds = request.timeoutSeconds ?? defaultRunTimeoutSeconds;
  await tx.stackRun.create({
    data: {
      id,
      stackId: request.stackId,
      versionId: request.versionId,
      ordinal: (last._max.ordinal ?? 0) + 1,
      trigger: request.trigger,
      ...(request.pinnedImages && Object.keys(request.pinnedImages).length > 0
        ? { pinnedImages: request.pinnedImages }
        : {}),
      createdById: request.createdById,
      deadlineAt: new Date(Date.now() + seconds * 1000),
    },
  });
  await writeOutboxJob(tx, 'deployStack', {
    clusterId: request.clusterId,
    stackId: request.stackId,
    runId: id,
  });
  return id;
}
