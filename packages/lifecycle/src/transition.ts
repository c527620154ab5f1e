import type { ClusterStatus, Db, NodeStatus, Prisma } from '@flotilla/db';
import { type ErrorCode, FlotillaError } from '@flotilla/errors';
import { EVENTS_CHANNEL, encodeEvent } from './events.ts';
import { canTransitionCluster, canTransitionNode } from './status.ts';

export type Tx = Prisma.TransactionClient;

/** The state machine refuses the move (`conflict`: the current state is named). */
export class IllegalTransitionError extends FlotillaError {
  override name = 'IllegalTransitionError';
  constructor(
    readonly entity: 'cluster' | 'node',
    readonly id: string,
    readonly from: string,
    readonly to: string,
  ) {
    super('conflict', `A ${entity} cannot go from ${from} to ${to}`);
  }
}

export class NotFoundError extends FlotillaError {
  override name = 'NotFoundError';
  constructor(
    readonly entity: 'cluster' | 'node',
    readonly id: string,
  ) {
    super('notFound', `${entity} ${id} does not exist`);
  }
}

export interface TransitionResult<S> {
  changed: boolean;
  from: S;
  to: S;
}

/** Runs `fn` in a transaction, or inside the caller's when one is passed. */
export function inTransaction<T>(db: Db | Tx, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return '$transaction' in db ? db.$transaction(fn) : fn(db);
}

export async function notify(tx: Tx, payload: string): Promise<void> {
  await tx.$executeRaw`select pg_notify(${EVENTS_CHANNEL}, ${payload})`;
}

/**
 * The kind of failure stored beside the reason: `kind` (default `internal`) when the status is
 * `error`, none otherwise, so it is cleared as soon as the status leaves `error`.
 */
function failureKindFor(to: string, kind: ErrorCode | undefined): ErrorCode | null {
  return to === 'error' ? (kind ?? 'internal') : null;
}

/**
 * Moves a cluster to `to`, recording the transition with its reason and announcing it.
 * Moving to the status it already has changes nothing (so retried jobs can call it freely);
 * a move the state machine forbids throws IllegalTransitionError. The row is locked for the
 * check, so two workers racing cannot both pass it. A move to `error` stores `failureKind`
 * (what decisions are taken on) beside the reason (what a person reads).
 */
export function transitionCluster(
  db: Db | Tx,
  clusterId: string,
  to: ClusterStatus,
  reason: string | null = null,
  failureKind?: ErrorCode,
): Promise<TransitionResult<ClusterStatus>> {
  return inTransaction(db, async (tx) => {
    const rows = await tx.$queryRaw<{ status: ClusterStatus }[]>`
      select status from "Cluster" where id = ${clusterId} for update`;
    const from = rows[0]?.status;
    if (!from) throw new NotFoundError('cluster', clusterId);
    if (from === to) return { changed: false, from, to };
    if (!canTransitionCluster(from, to))
      throw new IllegalTransitionError('cluster', clusterId, from, to);
    const at = new Date();
    await tx.cluster.update({
      where: { id: clusterId },
      data: {
        status: to,
        statusReason: reason,
        failureKind: failureKindFor(to, failureKind),
        statusChangedAt: at,
      },
    });
    await tx.statusTransition.create({
      data: { clusterId, fromStatus: from, toStatus: to, reason },
    });
    await notify(
      tx,
      encodeEvent({ kind: 'cluster', clusterId, from, to, reason, at: at.toISOString() }),
    );
    return { changed: true, from, to };
  });
}

/** The same for one node; its transition is recorded against its cluster. */
export function transitionNode(
  db: Db | Tx,
  nodeId: string,
  to: NodeStatus,
  reason: string | null = null,
  failureKind?: ErrorCode,
): Promise<TransitionResult<NodeStatus>> {
  return inTransaction(db, async (tx) => {
    const rows = await tx.$queryRaw<{ status: NodeStatus; clusterId: string }[]>`
      select status, "clusterId" from "Node" where id = ${nodeId} for update`;
    const row = rows[0];
    if (!row) throw new NotFoundError('node', nodeId);
    const from = row.status;
    if (from === to) return { changed: false, from, to };
    if (!canTransitionNode(from, to)) throw new IllegalTransitionError('node', nodeId, from, to);
    const at = new Date();
    await tx.node.update({
      where: { id: nodeId },
      data: {
        status: to,
        statusReason: reason,
        failureKind: failureKindFor(to, failureKind),
        statusChangedAt: at,
      },
    });
    await tx.statusTransition.create({
      data: { clusterId: row.clusterId, nodeId, fromStatus: from, toStatus: to, reason },
    });
    await notify(
      tx,
      encodeEvent({
        kind: 'node',
        clusterId: row.clusterId,
        nodeId,
        from,
        to,
        reason,
        at: at.toISOString(),
      }),
    );
    return { changed: true, from, to };
  });
}
