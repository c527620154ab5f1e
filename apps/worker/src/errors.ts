import { UnrecoverableError } from 'bullmq';

/** What a provisioning job meant to build is being taken down: it stops where it is. */
export class ProvisioningStoppedError extends Error {}

/** The cluster is being deleted (or is gone). */
export class ClusterGoneError extends ProvisioningStoppedError {
  constructor(readonly clusterId: string) {
    super(`cluster ${clusterId} is being deleted`);
    this.name = 'ClusterGoneError';
  }
}

/** The node is being removed (or is gone). */
export class NodeRemovedError extends ProvisioningStoppedError {
  constructor(readonly nodeId: string) {
    super(`node ${nodeId} is being removed`);
    this.name = 'NodeRemovedError';
  }
}

/** The server answered with another host key than the one pinned on first contact. */
export class HostKeyChangedError extends UnrecoverableError {
  constructor(
    readonly nodeName: string,
    readonly expected: string,
    readonly presented: string,
  ) {
    super(
      `host key changed — possible server replacement or MITM; ${nodeName} presented ` +
        `${presented} but ${expected} was pinned on first contact. If the server was ` +
        'reinstalled on purpose, remove the node and add it again.',
    );
    this.name = 'HostKeyChangedError';
  }
}

/** A failure that no retry can fix (bad input, a refused operation). */
export class PermanentError extends UnrecoverableError {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentError';
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// How the SSH layer words a server that is not there: never answered (ssh.wait gave up), or went
// away mid-step. Only these failures are retried automatically once the server answers again;
// a changed host key, a failing command or a command that outlives its timeout on a server that
// does answer would fail the same way again.
const unreachable = [
  /did not answer SSH after \d+ attempts/,
  /connection to \S+ (closed|lost|is closed)/,
  /channel closed without exit status/,
  /\b(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT)\b/,
  /Timed out while waiting for handshake/,
];

/** True when a node's failure reason says its server could not be reached. */
export function failedUnreachable(reason: string | null): boolean {
  if (!reason || reason.startsWith('host key changed')) return false;
  return unreachable.some((pattern) => pattern.test(reason));
}
