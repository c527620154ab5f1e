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
