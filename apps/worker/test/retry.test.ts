// A node whose server is unreachable through every attempt ends in `error` and the cluster is
// `degraded` with the reason; once the server answers again, the health check retries it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  addNode,
  clusterReaches,
  createCluster,
  type EngineTest,
  eventually,
  startEngineTest,
} from './fixture.ts';

let t: EngineTest;

beforeAll(async () => {
  // A retry budget this test can exhaust in seconds (the default is 8 attempts with
  // exponential backoff).
  t = await startEngineTest({
    hosts: 2,
    env: { JOB_ATTEMPTS: '2', JOB_BACKOFF_MS: '500' },
    settings: { sshWaitTimeoutMs: 2_000 },
  });
});

afterAll(async () => {
  await t?.close();
});

it('retries a node that failed on an unreachable server once the server answers again', async () => {
  const [a, b] = t.testbed.hosts;
  if (!a || !b) throw new Error('testbed has too few hosts');
  const clusterId = await createCluster(t.fx, {
    name: 'flaky',
    nodes: [{ role: 'manager', host: a }],
  });
  await clusterReaches(t.fx, clusterId, 'running');

  await t.testbed.stop(b.name);
  const nodeId = await addNode(t.fx, clusterId, { role: 'worker', host: b });

  const failed = await eventually('the node in error', async () => {
    const n = await t.fx.db.node.findUnique({ where: { id: nodeId } });
    return n?.status === 'error' ? n : undefined;
  });
  expect(failed.statusReason).toContain(b.host);
  expect(failed.failureKind).toBe('unreachable');
  const degraded = await clusterReaches(t.fx, clusterId, 'degraded');
  expect(degraded.statusReason).toContain('flaky-2');

  await t.testbed.start(b.name);
  await eventually('the node running', async () => {
    const n = await t.fx.db.node.findUnique({ where: { id: nodeId } });
    return n?.status === 'running' ? true : undefined;
  });
  await clusterReaches(t.fx, clusterId, 'running');
  const ls = await t.testbed.exec(a.name, "docker node ls --format '{{.Status}}'");
  expect(ls.stdout.trim().split('\n')).toEqual(['Ready', 'Ready']);
  const retried = await t.fx.db.provisioningLog.findFirst({
    where: { nodeId, step: 'node.retry', level: 'info' },
  });
  expect(retried?.message).toContain('answers SSH again');
});
