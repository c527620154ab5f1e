// Scenario 8: the manager's server is replaced behind the same address (new SSH host keys) → the
// worker refuses to connect to it, the node says why in security terms, the cluster (no manager
// left to trust) is in error naming it, and it stays refused: the pinned key is never replaced.
import { afterAll, beforeAll, it } from 'vitest';
import { type FaultRig, startFaultRig } from './fixture.ts';
import { replaceFirstManager } from './host-key-replaced.ts';

let rig: FaultRig;

beforeAll(async () => {
  rig = await startFaultRig({ hosts: 3 });
});
afterAll(() => rig?.close());

it('refuses a server whose host key changed and marks its node with a security error', () =>
  replaceFirstManager(rig, {
    managers: 1,
    clusterStatus: 'error',
    title: '8 · host key changed behind the same address',
  }));
