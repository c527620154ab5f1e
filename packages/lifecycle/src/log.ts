import type { Db, LogLevel } from '@flotilla/db';
import { encodeEvent } from './events.ts';
import { inTransaction, notify, type Tx } from './transition.ts';

export interface LogLine {
  clusterId: string;
  nodeId?: string | null;
  /** The step that wrote it, e.g. `ssh.wait`, `swarm.join`. */
  step: string;
  level?: LogLevel;
  message: string;
  /** The node name of the worker that ran the step. */
  workerNode?: string | null;
}

/** Writes one provisioning log line and announces it to live streams. */
export function appendLog(db: Db | Tx, line: LogLine): Promise<void> {
  return inTransaction(db, async (tx) => {
    const level = line.level ?? 'info';
    const nodeId = line.nodeId ?? null;
    const row = await tx.provisioningLog.create({
      data: {
        clusterId: line.clusterId,
        nodeId,
        step: line.step,
        level,
        message: line.message,
        workerNode: line.workerNode ?? null,
      },
      select: { id: true, createdAt: true },
    });
    await notify(
      tx,
      encodeEvent({
        kind: 'log',
        clusterId: line.clusterId,
        id: row.id.toString(),
        nodeId,
        step: line.step,
        level,
        message: line.message,
        workerNode: line.workerNode ?? null,
        at: row.createdAt.toISOString(),
      }),
    );
  });
}
