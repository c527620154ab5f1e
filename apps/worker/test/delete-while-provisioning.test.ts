// A cluster deleted while its nodes are still joining: the provisioning jobs stop at their next
// step, every server is cleaned, and nothing is left — no swarm on any host, no rows.
import { createTestbed, type Testbed } from '@flotilla/testbed';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningWorker, startWorker } from '../src/worker.ts';
import {
  createCluster,
  createFixture,
  deleteCluster,
  eventually,
  type Fixture,
} from './fixture.ts';

let fx: Fixture;
let testbed: Testbed;
let worker: RunningWorker;

beforeAll(async () => {
  fx = await createFixture();
  testbed = await createTestbed({ hosts: 4, authorizedKeys: [fx.keys.publicKey] });
  worker = await startWorker({ config: fx.config, settings: { sshWaitTimeoutMs: 10_000 } });
});

afterAll(async () => {
  await worker?.close(true);
  await testbed?.destroy();
  await fx?.close();
});

it('leaves nothing behind when a cluster is deleted mid-provisioning', async () => {
  const [a, b, c, d] = testbed.hosts;
  if (!a || !b || !c || !d) throw new Error('testbed has too few hosts');
  const clusterId = await createCluster(fx, {
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
      const nodes = await fx.db.node.findMany({ where: { clusterId } });
      if (nodes.every((n) => n.status === 'running'))
        throw new Error('provisioning finished first');
      return nodes.some((n) => n.role === 'worker' && n.hostKey !== null) ? true : undefined;
    },
    { intervalMs: 50 },
  );
  await deleteCluster(fx, clusterId);
  await eventually('cluster row deleted', async () =>
    (await fx.db.cluster.findUnique({ where: { id: clusterId } })) ? undefined : true,
  );
  for (const h of testbed.hosts) {
    const state = await testbed.exec(h.name, "docker info --format '{{.Swarm.LocalNodeState}}'");
    expect(`${h.name}: ${state.stdout.trim()}`).toBe(`${h.name}: inactive`);
  }
  expect(await fx.db.node.count({ where: { clusterId } })).toBe(0);
  // No job keeps working on it afterwards.
  const active = await worker.engine.queues.get('nodes').getActiveCount();
  expect(active).toBe(0);
});
