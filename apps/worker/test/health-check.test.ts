// The health check when no manager answers: one missed check is not an outage (a busy server
// can be slow to finish an SSH handshake); HEALTH_CHECK_MISSES in a row are. Checks are run
// by hand here (the scheduled ones are an hour apart) so each miss is counted exactly.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkCluster, healthCheck } from '../src/jobs/health-check.ts';
import { clusterReaches, createCluster, type EngineTest, startEngineTest } from './fixture.ts';

let t: EngineTest;
let clusterId: string;

beforeAll(async () => {
  t = await startEngineTest({
    hosts: 1,
    env: { HEALTH_CHECK_INTERVAL_MS: '3600000', HEALTH_CHECK_MISSES: '3' },
  });
  clusterId = await createCluster(t.fx, {
    name: 'lone',
    nodes: [{ role: 'manager', host: t.host(0) }],
  });
  await clusterReaches(t.fx, clusterId, 'running');
});

afterAll(async () => {
  await t?.close();
});

async function state() {
  const cluster = await t.fx.db.cluster.findUniqueOrThrow({
    where: { id: clusterId },
    include: { nodes: true },
  });
  const [node] = cluster.nodes;
  if (!node) throw new Error('the cluster has no node');
  return { cluster, node };
}

it('forgives a manager that misses fewer checks in a row than the limit', async () => {
  await t.testbed.stop(t.host(0).name);
  await checkCluster(t.worker.engine, clusterId);
  await checkCluster(t.worker.engine, clusterId);
  let { cluster, node } = await state();
  expect(node).toMatchObject({ status: 'running', missedChecks: 2 });
  expect(cluster.status).toBe('running');

  await t.testbed.start(t.host(0).name);
  await checkCluster(t.worker.engine, clusterId);
  ({ cluster, node } = await state());
  expect(node).toMatchObject({ status: 'running', missedChecks: 0 });
  expect(cluster.status).toBe('running');
  // The node never left `running`: its only transition is the one that brought it there.
  const transitions = await t.fx.db.statusTransition.findMany({ where: { nodeId: node.id } });
  expect(transitions.map((s) => s.toStatus)).toEqual(['running']);
});

it('marks the managers down and the cluster in error at the limit, and revives them', async () => {
  await t.testbed.stop(t.host(0).name);
  for (let i = 0; i < 2; i++) await checkCluster(t.worker.engine, clusterId);
  expect((await state()).node.status).toBe('running');
  await checkCluster(t.worker.engine, clusterId);
  let { cluster, node } = await state();
  expect(node.status).toBe('down');
  expect(node.statusReason).toBe(
    'no manager of the cluster answered 3 health checks in a row over SSH',
  );
  expect(cluster.status).toBe('error');
  expect(cluster.statusReason).toContain(`no manager is running: ${node.name} (manager) down`);
  expect(cluster.failureKind).toBe('noManagerRunning');

  await t.testbed.start(t.host(0).name);
  await checkCluster(t.worker.engine, clusterId);
  ({ cluster, node } = await state());
  expect(node).toMatchObject({ status: 'running', missedChecks: 0 });
  expect(cluster.status).toBe('running');
  expect(cluster.failureKind).toBeNull();
  const log = await t.fx.db.provisioningLog.findMany({
    where: { clusterId, step: 'health' },
    orderBy: { id: 'asc' },
    select: { message: true },
  });
  expect(log.map((l) => l.message)).toEqual([
    `${node.name} is down: no manager of the cluster answered 3 health checks in a row over SSH`,
    `${node.name} is running: reported Ready by the managers`,
  ]);
});

it("leaves a cluster pinned to another worker to that worker's own pass", async () => {
  // Another worker node, online, in a network only it reaches (here: the same testbed).
  const now = Date.now();
  await t.fx.db.controlPlaneNode.create({
    data: {
      name: 'private-dc',
      role: 'worker',
      tags: [],
      version: '0.1.0',
      hostname: 'elsewhere',
      pid: 1,
      instanceId: 'private-dc',
      heartbeatMs: 10_000,
      startedAt: new Date(now),
      lastHeartbeatAt: new Date(now),
      onlineUntil: new Date(now + 3600_000),
    },
  });
  await t.fx.db.controlPlaneAssignment.create({
    data: { entityType: 'cluster', entityId: clusterId, clusterId, nodeName: 'private-dc' },
  });
  await t.testbed.stop(t.host(0).name);
  // The shared pass (any worker) does not judge it, however often it runs.
  for (let i = 0; i < 4; i++) await healthCheck(t.worker.engine);
  expect((await state()).node).toMatchObject({ status: 'running', missedChecks: 0 });
  // Its own worker's pass does.
  for (let i = 0; i < 3; i++) await healthCheck(t.worker.engine, { node: 'private-dc' });
  expect((await state()).node.status).toBe('down');
  await t.testbed.start(t.host(0).name);
  await healthCheck(t.worker.engine, { node: 'private-dc' });
  expect((await state()).node).toMatchObject({ status: 'running', missedChecks: 0 });
});
