// A cluster deleted while its nodes are still joining: the provisioning jobs stop at their next
// step, every server is cleaned, and nothing is left — no swarm on any host, no rows.
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  clusterGone,
  createCluster,
  deleteCluster,
  type EngineTest,
  eventually,
  startEngineTest,
  swarmState,
} from './fixture.ts';

let t: EngineTest;

beforeAll(async () => {
  t = await startEngineTest({ hosts: 4 });
});

afterAll(async () => {
  await t?.close();
});

it('leaves nothing behind when a cluster is deleted mid-provisioning', async () => {
  const [a, b, c, d] = t.testbed.hosts;
  if (!a || !b || !c || !d) throw new Error('testbed has too few hosts');
  const clusterId = await createCluster(t.fx, {
    name: 'doomed',
    nodes: [
      { role: 'manager', host: a },
      { role: 'worker', host: b },
      { role: 'worker', host: c },
      { role: 'worker', host: d },
    ],
  });
  // The swarm exists and the other nodes are on their way in.
  await eventually(
    'workers mid-bootstrap',
    async () => {
      const nodes = await t.fx.db.node.findMany({ where: { clusterId } });
      if (nodes.every((n) => n.status === 'running'))
        throw new Error('provisioning finished first');
      return nodes.some((n) => n.role === 'worker' && n.hostKey !== null) ? true : undefined;
    },
    { intervalMs: 50 },
  );
  await deleteCluster(t.fx, clusterId);
  await clusterGone(t.fx, clusterId);
  for (const h of t.testbed.hosts) {
    expect(`${h.name}: ${await swarmState(t.testbed, h.name)}`).toBe(`${h.name}: inactive`);
  }
  expect(await t.fx.db.node.count({ where: { clusterId } })).toBe(0);
  // No job keeps working on it afterwards.
  const active = await t.worker.engine.queues.get('nodes').getActiveCount();
  expect(active).toBe(0);
});
