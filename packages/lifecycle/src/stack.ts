// Issue 18: a stack run's log lines and status changes, written by the worker and announced on
// the events channel like provisioning's, so stack.events streams them live.
import type { Db, LogLevel, StackRunStatus } from '@flotilla/db';
import { encodeEvent, type StackServiceOutcome } from './events.ts';
import { inTransaction, notify, type Tx } from './transition.ts';

export interface StackRunRef {
  clusterId: string;
  stackId: string;
  runId: string;
}

/** Writes one line of a stack run's log and announces it. */
export function appendStackRunLog(
  db: Db | Tx,
  run: StackRunRef,
  line: { message: string; level?: LogLevel; service?: string | null },
): Promise<void> {
  return inTransaction(db, async (tx) => {
    const level = line.level ?? 'info';
    const service = line.service ?? null;
    // Postgres text holds no NUL; a line of megabytes is a bug upstream, not a log.
    const message = line.message.replaceAll('\u0000', '').slice(0, 8_000);
    const row = await tx.stackRunLog.create({
      data: { runId: run.runId, service, level, message },
      select: { id: true, createdAt: true },
    });
    await notify(
      tx,
      encodeEvent({
        kind: 'stackLog',
        ...run,
        id: row.id.toString(),
        service,
        level,
        message,
        at: row.createdAt.toISOString(),
      }),
    );
  });
}

/** Announces a run's status (call in the transaction that wrote it). */
export async function announceStackRun(
  tx: Tx,
  run: StackRunRef,
  state: { status: StackRunStatus; reason: string | null; services: StackServiceOutcome[] },
): Promise<void> {
  await notify(
    tx,
    encodeEvent({
      kind: 'stackRun',
      ...run,
      ...state,
      services: state.services,
      at: new Date().toISOString(),
    }),
  );
}
