// Scenario 8, second case: the first of three managers is
// replaced behind its address → the health check refuses it, the node stays in `error` with the
// security reason and the cluster is `degraded` naming it, while the other managers answer.
import { afterAll, beforeAll, it } from 'vitest';
import { type FaultRig, startFaultRig } from './fixture.ts';
import { replaceFirstManager } from './host-key-replaced.ts';

let rig: FaultRig;

beforeAll(async () => {
  rig = await startFaultRig({ hosts: 3 });
});
afterAll(() => rig?.close());

it('keeps refusing a replaced manager while the other managers answer', () =>
  replaceFirstManager(rig, {
    managers: 3,
    clusterStatus: 'degraded',
    title: '8b · first of three managers replaced behind its address',
  }));
