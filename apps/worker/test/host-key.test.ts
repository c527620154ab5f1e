// Host keys are pinned on first contact; a server presenting another key later is refused
// before anything runs on it, and its node says why — without retries.
import { createTestbed, type Testbed } from '@flotilla/testbed';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningWorker, startWorker } from '../src/worker.ts';
import { createCluster, createFixture, eventually, type Fixture } from './fixture.ts';

let fx: Fixture;
let testbed: Testbed;
let worker: RunningWorker;

const securityMessage = /^host key changed — possible server replacement or MITM/;

function host(index: number) {
  const h = testbed.hosts[index];
  if (!h) throw new Error(`no testbed host ${index}`);
  return h;
}

beforeAll(async () => {
  fx = await createFixture();
  testbed = await createTestbed({ hosts: 3, authorizedKeys: [fx.keys.publicKey] });
  worker = await startWorker({ config: fx.config, settings: { sshWaitTimeoutMs: 10_000 } });
});

afterAll(async () => {
  await worker?.close(true);
  await testbed?.destroy();
  await fx?.close();
});

it('refuses a node whose server presents another key than the pinned one, without retrying', async () => {
  const clusterId = await createCluster(fx, {
    name: 'pinned',
    nodes: [
      { role: 'manager', host: host(0) },
      { role: 'worker', host: host(1) },
    ],
  });
  // As if an earlier attempt had pinned a key and the server was then replaced: the pinned key
  // is another server's.
  const otherKey = (
    await testbed.exec(host(2).name, 'cat /etc/ssh/ssh_host_ed25519_key.pub')
  ).stdout
    .trim()
    .split(' ')
    .slice(0, 2)
    .join(' ');
  const victim = await fx.db.node.findFirstOrThrow({ where: { clusterId, ordinal: 2 } });
  await fx.db.node.update({ where: { id: victim.id }, data: { hostKey: otherKey } });

  const node = await eventually('the node in error', async () => {
    const n = await fx.db.node.findUnique({ where: { id: victim.id } });
    return n?.status === 'error' ? n : undefined;
  });
  expect(node.statusReason).toMatch(securityMessage);
  expect(node.hostKey).toBe(otherKey);
  const cluster = await eventually('the cluster degraded', async () => {
    const c = await fx.db.cluster.findUnique({ where: { id: clusterId } });
    return c?.status === 'degraded' ? c : undefined;
  });
  expect(cluster.statusReason).toContain(victim.name);
  const job = await worker.engine.queues.get('nodes').getJob(`provisionNode.${victim.id}`);
  expect(await job?.getState()).toBe('failed');
  expect(job?.attemptsMade).toBe(1);
  // Nothing ran on the server: it is in no swarm.
  const state = await testbed.exec(
    host(1).name,
    "docker info --format '{{.Swarm.LocalNodeState}}'",
  );
  expect(state.stdout.trim()).toBe('inactive');
});

it('marks a running manager whose key changed as error when the health check reaches it', async () => {
  const clusterId = await createCluster(fx, {
    name: 'replaced',
    nodes: [{ role: 'manager', host: host(2) }],
  });
  await eventually('cluster running', async () => {
    const c = await fx.db.cluster.findUnique({ where: { id: clusterId } });
    return c?.status === 'running' ? true : undefined;
  });
  await testbed.replaceHostKey(host(2).name);
  const node = await eventually('the manager in error', async () => {
    const n = await fx.db.node.findFirst({ where: { clusterId } });
    return n?.status === 'error' ? n : undefined;
  });
  expect(node.statusReason).toMatch(securityMessage);
  const cluster = await eventually('the cluster in error', async () => {
    const c = await fx.db.cluster.findUnique({ where: { id: clusterId } });
    return c?.status === 'error' ? c : undefined;
  });
  expect(cluster.statusReason).toContain(node.name);
  // Later health checks keep refusing it: the security reason is not replaced by `down`.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const later = await fx.db.node.findUniqueOrThrow({ where: { id: node.id } });
  expect(later.status).toBe('error');
  expect(later.statusReason).toMatch(securityMessage);
});
