// Everything that changes a cluster is announced on one Postgres NOTIFY channel; the API holds
// one LISTEN connection per process and fans events out to SSE and tRPC subscribers.
import type { ClusterStatus, LogLevel, NodeStatus } from '@flotilla/db';

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
      at: string;
    };

// NOTIFY payloads are limited to 8000 bytes; long messages are cut (the full line is in the table).
const maxMessageChars = 2000;

export function encodeEvent(event: FlotillaEvent): string {
  if (event.kind === 'log' && event.message.length > maxMessageChars) {
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
