import { describe, expect, it } from 'vitest';
import { failedUnreachable } from './errors.ts';

describe('failedUnreachable', () => {
  it('recognises a server that never answered or went away mid-step', () => {
    expect(
      failedUnreachable(
        '10.201.3.13 did not answer SSH after 9 attempts: Timed out while waiting for handshake',
      ),
    ).toBe(true);
    expect(failedUnreachable('docker.ensure: connection to 10.201.3.13 lost')).toBe(true);
    expect(failedUnreachable('connect EHOSTUNREACH 10.201.3.13:22')).toBe(true);
  });

  it('leaves security and command failures to the user', () => {
    expect(
      failedUnreachable(
        'host key changed — possible server replacement or MITM; n-1 presented SHA256:x but SHA256:y was pinned (connection to 10.0.0.1 closed)',
      ),
    ).toBe(false);
    expect(failedUnreachable('docker swarm join exited with 1: token invalid')).toBe(false);
    expect(failedUnreachable('install docker timed out after 300000 ms')).toBe(false);
    expect(failedUnreachable(null)).toBe(false);
  });
});
