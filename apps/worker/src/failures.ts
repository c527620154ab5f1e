// A job's failure recorded where users and later decisions see it: the node (or cluster) goes to
// `error` with a reason a person reads and the kind of failure (`failureKind`) the health check
// decides on. Recording it can fail too; that is logged, and the job's own error stays the one
// BullMQ sees.
import { type ErrorCode, errorMessage } from '@flotilla/errors';
import {
  IllegalTransitionError,
  NotFoundError,
  transitionCluster,
  transitionNode,
} from '@flotilla/lifecycle';
import type { Engine } from './engine.ts';

const maxReasonLength = 1_000;

export async function failNode(
  engine: Engine,
  nodeId: string,
  reason: string,
  kind: ErrorCode,
): Promise<void> {
  try {
    await transitionNode(engine.db, nodeId, 'error', reason.slice(0, maxReasonLength), kind);
  } catch (error) {
    unrecorded(engine, { nodeId }, reason, error);
  }
}

export async function failCluster(
  engine: Engine,
  clusterId: string,
  reason: string,
  kind: ErrorCode,
): Promise<void> {
  try {
    await transitionCluster(engine.db, clusterId, 'error', reason.slice(0, maxReasonLength), kind);
  } catch (error) {
    unrecorded(engine, { clusterId }, reason, error);
  }
}

function unrecorded(
  engine: Engine,
  ids: { nodeId: string } | { clusterId: string },
  reason: string,
  error: unknown,
): void {
  // A node removed or a cluster deleted meanwhile may no longer go to `error` (the state machine
  // refuses, or the row is gone): expected, so said quietly. Anything else (the database away)
  // is a failure nobody would otherwise see.
  const meanwhile = error instanceof IllegalTransitionError || error instanceof NotFoundError;
  engine.log[meanwhile ? 'info' : 'warn'](
    { ...ids, reason, err: error },
    `the failure was not recorded: ${errorMessage(error)}`,
  );
}
