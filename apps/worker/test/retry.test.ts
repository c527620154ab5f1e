// A node whose server is unreachable through every attempt ends in `error` and the cluster is
// `degraded` with the reason; once the server answers again, the health check retries it.
import { newId } from '@flotilla/db';
import { jobIdFor } from '@flotilla/queue';
import { createTestbed, type Testbed } from '@flotilla/testbed';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningWorker, startWorker } from '../src/worker.ts';
import { createCluster, createFixture, eventually, type Fixture } from './fixture.ts';

let fx: Fixture;
let testbed: Testbed;
let worker: RunningWorker;

beforeAll(async () => {
  fx = await createFixture();
  testbed = await createTestbed({ hosts: 2, authorizedKeys: [fx.keys.publicKey] });
  worker = await startWorker({ config: fx.config, settings: { sshWaitTimeoutMs: 2_000 } });
});

afterAll(async () => {
  await worker?.close(true);
  await testbed?.destroy();
  await fx?.close();
});

it('retries a node that failed on an unreachable server once the server answers again', async () => {
  const [a, b] = testbed.hosts;
  if (!a || !b) throw new Error('testbed has too few hosts');
  const clusterId = await createCluster(fx, {
    name: 'flaky',
    nodes: [{ role: 'manager', host: a }],
  });
  await eventually('cluster running', async () => {
    const c = await fx.db.cluster.findUnique({ where: { id: clusterId } });
    return c?.status === 'running' ? true : undefined;
  });

  await testbed.stop(b.name);
  const nodeId = newId('node');
  await fx.db.node.create({
    data: {
      id: nodeId,
      clusterId,
      name: 'flaky-2',
      ordinal: 2,
      role: 'worker',
      address: b.host,
      sshPort: b.port,
      sshUser: b.user,
    },
  });
  // What addNode enqueues, with a retry budget this test can exhaust in seconds (the default is
  // 8 attempts with exponential backoff).
  const data = { clusterId, nodeId };
  await worker.engine.queues.get('nodes').add('provisionNode', data, {
    jobId: jobIdFor('provisionNode', data),
    attempts: 2,
    backoff: { type: 'fixed', delay: 500 },
  });

  const failed = await eventually('the node in error', async () => {
    const n = await fx.db.node.findUnique({ where: { id: nodeId } });
    return n?.status === 'error' ? n : undefined;
  });
  expect(failed.statusReason).toContain(b.host);
  const degraded = await eventually('the cluster degraded', async () => {
    const c = await fx.db.cluster.findUnique({ where: { id: clusterId } });
    return c?.status === 'degraded' ? c : undefined;
  });
  expect(degraded.statusReason).toContain('flaky-2');

  await testbed.start(b.name);
  await eventually('the node running', async () => {
    const n = await fx.db.node.findUnique({ where: { id: nodeId } });
    return n?.status === 'running' ? true : undefined;
  });
  await eventually('the cluster running', async () => {
    const c = await fx.db.cluster.findUnique({ where: { id: clusterId } });
    return c?.status === 'running' ? true : undefined;
  });
  const ls = await testbed.exec(a.name, "docker node ls --format '{{.Status}}'");
  expect(ls.stdout.trim().split('\n')).toEqual(['Ready', 'Ready']);
  const retried = await fx.db.provisioningLog.findFirst({
    where: { nodeId, step: 'node.retry', level: 'info' },
  });
  expect(retried?.message).toContain('answers SSH again');
});
