// The health check when no manager answers: one missed check is not an outage (a busy server
// can be slow to finish an SSH handshake); HEALTH_CHECK_MISSES in a row are. Checks are run
// by hand here (the scheduled ones are an hour apart) so each miss is counted exactly.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkCluster } from '../src/jobs/health-check.ts';
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

  await t.testbed.start(t.host(0).name);
  await checkCluster(t.worker.engine, clusterId);
  ({ cluster, node } = await state());
  expect(node).toMatchObject({ status: 'running', missedChecks: 0 });
  expect(cluster.status).toBe('running');
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
