// Who wants to know that connections are being opened (metrics), without this package knowing
// them. Process-wide on purpose: connections are opened from the pool, from the health check's
// fresh dials and from the API's log streams; an observer threaded through every call site would
// touch them all for what is only counting.
import { FlotillaError } from '@flotilla/errors';

/** How an attempt to open a connection ended. */
export type SshConnectionOutcome =
  | 'opened'
  /** Refused, no route, reset, closed before the handshake, or no handshake in time. */
  | 'unreachable'
  /** The server presented another key than the pinned one; nothing was sent. */
  | 'hostKeyChanged'
  /** The server refused the login (the key is not authorized). */
  | 'authentication'
  | 'other';

export interface SshConnectionEvent {
  host: string;
  outcome: SshConnectionOutcome;
  /** From the TCP connect's start until ready or failed. */
  durationMs: number;
}

export interface SshObserver {
  connection(event: SshConnectionEvent): void;
}

const observers = new Set<SshObserver>();

/** Tells `observer` about every connection this process opens from now on; returns the undo. */
export function observeSsh(observer: SshObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

export function reportConnection(event: SshConnectionEvent): void {
  for (const observer of observers) {
    try {
      observer.connection(event);
    } catch {
      // Counting must never fail a connection.
    }
  }
}

/** The outcome a failed `openConnection` reports, from the error it rejects with. */
export function connectionOutcome(error: Error): SshConnectionOutcome {
  if (error instanceof FlotillaError) {
    if (error.code === 'unreachable') return 'unreachable';
    if (error.code === 'hostKeyChanged') return 'hostKeyChanged';
  }
  // ssh2 tags a refused login with this level ("All configured authentication methods failed").
  return (error as { level?: string }).level === 'client-authentication'
    ? 'authentication'
    : 'other';
}
