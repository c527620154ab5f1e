// Everything that changes a cluster is announced on one Postgres NOTIFY channel; the API holds
// one LISTEN connection per process and fans events out to SSE and tRPC subscribers.
import type { ClusterStatus, LogLevel, NodeStatus, StackRunStatus } from '@flotilla/db';

export const EVENTS_CHANNEL = 'flotilla_events';

export type FlotillaEvent =
  | {
      kind: 'cluster';
      clusterId: string;
      from: ClusterStatus | null;
      to: ClusterStatus;
      reason: string | null;
      at: string;
    }
  | {
      kind: 'node';
      clusterId: string;
      nodeId: string;
      from: NodeStatus | null;
      to: NodeStatus;
      reason: string | null;
      at: string;
    }
  | {
      kind: 'log';
      clusterId: string;
      id: string;
      nodeId: string | null;
      step: string;
      level: LogLevel;
      message: string;
      /** The control-plane worker that ran the step (issue 19). */
      workerNode: string | null;
      at: string;
    }
  | StackEvent;

/** Where a stack's service stands at the end of a run (StackRun.services). */
export interface StackServiceOutcome {
  name: string;
  /** `removed`: a service of the previous version that this one no longer has, gone. */
  outcome: 'succeeded' | 'failed' | 'pending' | 'removed';
  /** The image the service runs, pinned by digest when the orchestrator pinned it. */
  image?: string;
  running?: number;
  desired?: number;
  reason?: string;
}

/** Issue 18: a stack run's status and log lines. They carry the stack's cluster (one channel). */
export type StackEvent =
  | {
      kind: 'stackRun';
      clusterId: string;
      stackId: string;
      runId: string;
      status: StackRunStatus;
      reason: string | null;
      services: StackServiceOutcome[];
      at: string;
    }
  | {
      kind: 'stackLog';
      clusterId: string;
      stackId: string;
      runId: string;
      id: string;
      service: string | null;
      level: LogLevel;
      message: string;
      at: string;
    };

// NOTIFY payloads are limited to 8000 bytes; long messages are cut (the full line is in the table).
const maxMessageChars = 2000;

export function encodeEvent(event: FlotillaEvent): string {
  if (
    (event.kind === 'log' || event.kind === 'stackLog') &&
    event.message.length > maxMessageChars
  ) {
    return JSON.stringify({ ...event, message: `${event.message.slice(0, maxMessageChars)}…` });
  }
  return JSON.stringify(event);
}

export function decodeEvent(payload: string): FlotillaEvent | null {
  try {
    const event = JSON.parse(payload) as FlotillaEvent;
    return typeof event?.clusterId === 'string' ? event : null;
  } catch {
    return null;
  }
}
