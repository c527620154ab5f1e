import { codeOf } from '@flotilla/errors';
import {
  CommandError,
  CommandTimeoutError,
  ConnectionLostError,
  connectFailure,
  SshWaitTimeoutError,
} from '@flotilla/ssh';
import { describe, expect, it } from 'vitest';
import { failedUnreachable, HostKeyChangedError } from './errors.ts';

// What a node's failureKind is when its job fails with `error` (attemptNode stores codeOf).
const storedFor = (error: unknown) => ({ failureKind: codeOf(error) });

describe('failedUnreachable', () => {
  it('recognises a server that never answered or went away mid-step', () => {
    const handshake = Object.assign(new Error('Timed out while waiting for handshake'), {
      level: 'client-timeout',
    });
    expect(failedUnreachable(storedFor(new SshWaitTimeoutError('10.201.3.13', 9, handshake)))).toBe(
      true,
    );
    expect(
      failedUnreachable(
        storedFor(new ConnectionLostError('docker.ensure: connection to 10.201.3.13 lost')),
      ),
    ).toBe(true);
    const refused = Object.assign(new Error('connect EHOSTUNREACH 10.201.3.13:22'), {
      code: 'EHOSTUNREACH',
      level: 'client-socket',
    });
    expect(failedUnreachable(storedFor(connectFailure('10.201.3.13', refused)))).toBe(true);
  });

  it('leaves security and command failures to the user', () => {
    expect(
      failedUnreachable(storedFor(new HostKeyChangedError('n-1', 'SHA256:y', 'SHA256:x'))),
    ).toBe(false);
    expect(
      failedUnreachable(storedFor(new CommandError('docker swarm join', 1, 'token invalid'))),
    ).toBe(false);
    expect(failedUnreachable(storedFor(new CommandTimeoutError('install docker', 300_000)))).toBe(
      false,
    );
    // A refused login is not unreachability: the server answered.
    const denied = Object.assign(new Error('All configured authentication methods failed'), {
      level: 'client-authentication',
    });
    expect(failedUnreachable(storedFor(connectFailure('10.201.3.13', denied)))).toBe(false);
    expect(failedUnreachable({ failureKind: 'removalFailed' })).toBe(false);
    expect(failedUnreachable({ failureKind: null })).toBe(false);
  });
});
