// Host keys are pinned on first contact; a server presenting another key later is refused
// before anything runs on it, and its node says why — without retries.
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  clusterReaches,
  createCluster,
  type EngineTest,
  eventually,
  startEngineTest,
} from './fixture.ts';

let t: EngineTest;

const securityMessage = /^host key changed — possible server replacement or MITM/;

beforeAll(async () => {
  t = await startEngineTest({ hosts: 3 });
});

afterAll(async () => {
  await t?.close();
});

it('refuses a node whose server presents another key than the pinned one, without retrying', async () => {
  const clusterId = await createCluster(t.fx, {
    name: 'pinned',
    nodes: [
      { role: 'manager', host: t.host(0) },
      { role: 'worker', host: t.host(1) },
    ],
  });
  // As if an earlier attempt had pinned a key and the server was then replaced: the pinned key
  // is another server's.
  const otherKey = (
    await t.testbed.exec(t.host(2).name, 'cat /etc/ssh/ssh_host_ed25519_key.pub')
  ).stdout
    .trim()
    .split(' ')
    .slice(0, 2)
    .join(' ');
  const victim = await t.fx.db.node.findFirstOrThrow({ where: { clusterId, ordinal: 2 } });
  await t.fx.db.node.update({ where: { id: victim.id }, data: { hostKey: otherKey } });

  const node = await eventually('the node in error', async () => {
    const n = await t.fx.db.node.findUnique({ where: { id: victim.id } });
    return n?.status === 'error' ? n : undefined;
  });
  expect(node.statusReason).toMatch(securityMessage);
  expect(node.failureKind).toBe('hostKeyChanged');
  expect(node.hostKey).toBe(otherKey);
  // The API says why as a code a script can act on, next to the sentence.
  const seen = await t.fx.api().cluster.one({ clusterId });
  expect(seen.nodes.find((n) => n.id === victim.id)).toMatchObject({
    status: 'error',
    failureKind: 'hostKeyChanged',
  });
  const cluster = await clusterReaches(t.fx, clusterId, 'degraded');
  expect(cluster.statusReason).toContain(victim.name);
  const job = await t.worker.engine.queues.get('nodes').getJob(`provisionNode.${victim.id}`);
  expect(await job?.getState()).toBe('failed');
  expect(job?.attemptsMade).toBe(1);
  // Nothing ran on the server: it is in no swarm.
  const state = await t.testbed.exec(
    t.host(1).name,
    "docker info --format '{{.Swarm.LocalNodeState}}'",
  );
  expect(state.stdout.trim()).toBe('inactive');
});

it('marks a running manager whose key changed as error when the health check reaches it', async () => {
  const clusterId = await createCluster(t.fx, {
    name: 'replaced',
    nodes: [{ role: 'manager', host: t.host(2) }],
  });
  await clusterReaches(t.fx, clusterId, 'running');
  await t.testbed.replaceHostKey(t.host(2).name);
  const node = await eventually('the manager in error', async () => {
    const n = await t.fx.db.node.findFirst({ where: { clusterId } });
    return n?.status === 'error' ? n : undefined;
  });
  expect(node.statusReason).toMatch(securityMessage);
  expect(node.failureKind).toBe('hostKeyChanged');
  const cluster = await clusterReaches(t.fx, clusterId, 'error');
  expect(cluster.statusReason).toContain(node.name);
  expect(cluster.failureKind).toBe('noManagerRunning');
  // Later health checks keep refusing it: the security reason is not replaced by `down`.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const later = await t.fx.db.node.findUniqueOrThrow({ where: { id: node.id } });
  expect(later.status).toBe('error');
  expect(later.statusReason).toMatch(securityMessage);
});
