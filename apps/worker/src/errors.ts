// The worker's own failures, as @flotilla/errors codes: whether BullMQ tries a job again
// (worker.ts), and the kind of failure stored on a node (`Node.failureKind`), follow from them.
import type { Node } from '@flotilla/db';
import { FlotillaError } from '@flotilla/errors';

/** What a provisioning job meant to build is being taken down: it stops where it is. */
export class ProvisioningStoppedError extends FlotillaError {
  override name = 'ProvisioningStoppedError';
  constructor(message: string) {
    super('stopped', message);
  }
}

/** The cluster is being deleted (or is gone). */
export class ClusterGoneError extends ProvisioningStoppedError {
  override name = 'ClusterGoneError';
  constructor(readonly clusterId: string) {
    super(`cluster ${clusterId} is being deleted`);
  }
}

/** The node is being removed (or is gone). */
export class NodeRemovedError extends ProvisioningStoppedError {
  override name = 'NodeRemovedError';
  constructor(readonly nodeId: string) {
    super(`node ${nodeId} is being removed`);
  }
}

/** The server answered with another host key than the one pinned on first contact. */
export class HostKeyChangedError extends FlotillaError {
  override name = 'HostKeyChangedError';
  constructor(
    readonly nodeName: string,
    readonly expected: string,
    readonly presented: string,
  ) {
    super(
      'hostKeyChanged',
      `host key changed — possible server replacement or MITM; ${nodeName} presented ` +
        `${presented} but ${expected} was pinned on first contact. If the server was ` +
        'reinstalled on purpose, remove the node and add it again.',
    );
  }
}

/** A failure that no retry can fix (bad input, a refused operation). */
export class PermanentError extends FlotillaError {
  override name = 'PermanentError';
  constructor(message: string) {
    super('invalid', message);
  }
}

/**
 * True when a node failed because its server could not be reached (it never answered SSH, or
 * went away mid-step): only such a node is provisioned again once its server answers. A changed
 * host key, a failed removal, or a command that fails or outlives its timeout on a server that
 * does answer would fail the same way again; those wait for the user.
 */
export function failedUnreachable(node: Pick<Node, 'failureKind'>): boolean {
  return node.failureKind === 'unreachable';
}
