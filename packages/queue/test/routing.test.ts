// Control-plane nodes and pinned jobs against the real Postgres and Redis: which queue a job goes
// to, and that moving waiting jobs between queues neither loses nor doubles one.
import { randomUUID } from 'node:crypto';
import { createDb, type Db, newId } from '@flotilla/db';
import { createTestDatabase, type TestDatabase } from '@flotilla/db/testing';
import { createLogger } from '@flotilla/log';
import { type Job, Worker } from 'bullmq';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AnyQueueName,
  createOutboxDispatcher,
  createQueues,
  NodeNameTakenError,
  type Queues,
  queueNames,
  type RegisteredNode,
  rebalanceJobs,
  registerNode,
  routableQueues,
  targetsOf,
  writeOutboxJob,
} from '../src/index.ts';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = createLogger({ name: 'routing-test', level: 'silent' });
let database: TestDatabase;
let db: Db;
let queues: Queues;
const prefix = `flt-test-${randomUUID().slice(0, 8)}`;
const registered: RegisteredNode[] = [];
let organizationId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url });
  queues = createQueues({ redis: { REDIS_URL: redisUrl }, prefix, db });
  organizationId = newId('org');
  await db.organization.create({ data: { id: organizationId, name: 'o', slug: organizationId } });
  // A long heartbeat: a test decides when a node is offline by writing its row.
  for (const name of ['alpha', 'beta']) {
    registered.push(await register(name, 'worker'));
  }
});

async function emptyQueues() {
  for (const queue of queueNames) {
    for (const name of [queue, `${queue}@alpha`, `${queue}@beta`] as AnyQueueName[]) {
      await queues.get(name).obliterate({ force: true });
    }
  }
}

afterAll(async () => {
  await Promise.all(registered.map((node) => node.stop()));
  if (queues) await emptyQueues();
  await queues?.close();
  await db?.$disconnect();
  await database?.drop();
});

function register(name: string, role: 'api' | 'worker', onLost = () => {}) {
  return registerNode(
    { name, role, version: '0.1.0', tags: ['test'] },
    { db, log, heartbeatMs: 60_000, onLost },
  );
}

async function cluster(): Promise<string> {
  const id = newId('cls');
  await db.cluster.create({
    data: {
      id,
      organizationId,
      name: id,
      provider: 'ssh',
      region: 'own',
      orchestrator: 'swarm',
    },
  });
  return id;
}

async function pin(clusterId: string, nodeName: string, mode: 'strict' | 'preferred') {
  // As controlPlane.setAssignment does: the node's queues are searched from now on.
  await db.controlPlaneNode.updateMany({
    where: { name: nodeName, role: 'worker' },
    data: { pinnedAt: new Date() },
  });
  await db.controlPlaneAssignment.upsert({
    where: { entityType_entityId: { entityType: 'cluster', entityId: clusterId } },
    create: { entityType: 'cluster', entityId: clusterId, clusterId, nodeName, mode },
    update: { nodeName, mode },
  });
}

async function setOnline(name: string, online: boolean) {
  await db.controlPlaneNode.update({
    where: { name_role: { name, role: 'worker' } },
    data: { onlineUntil: new Date(Date.now() + (online ? 60_000 : -1_000)) },
  });
}

/** Where the job is: every queue that holds it, with its state. */
async function whereIs(jobId: string): Promise<string[]> {
  const found: string[] = [];
  for (const queue of routableQueues) {
    for (const name of [queue, `${queue}@alpha`, `${queue}@beta`] as AnyQueueName[]) {
      const state = await queues.get(name).getJobState(jobId);
      if (state !== 'unknown') found.push(`${name}:${state}`);
    }
  }
  return found;
}

async function enqueue(clusterId: string): Promise<string> {
  const nodeId = newId('node');
  await db.$transaction((tx) => writeOutboxJob(tx, 'provisionNode', { clusterId, nodeId }));
  await createOutboxDispatcher({ db, queues }).dispatch();
  return `provisionNode.${nodeId}`;
}

describe('control-plane nodes', () => {
  it('refuses a second worker the name while the first is online; an API may share it', async () => {
    await expect(register('alpha', 'worker')).rejects.toBeInstanceOf(NodeNameTakenError);
    await expect(register('alpha', 'worker')).rejects.toThrow(/held by another worker process/);
    const api = await register('alpha', 'api');
    registered.push(api);
    const rows = await db.controlPlaneNode.findMany({ where: { name: 'alpha' } });
    expect(rows.map((row) => row.role).sort()).toEqual(['api', 'worker']);
  });

  it('marks a cleanly stopped process offline at once, and frees its name', async () => {
    const gamma = await register('gamma', 'worker');
    const before = await db.controlPlaneNode.findUniqueOrThrow({
      where: { name_role: { name: 'gamma', role: 'worker' } },
    });
    expect(before.onlineUntil.getTime()).toBeGreaterThan(Date.now() + 170_000);
    expect(before.tags).toEqual(['test']);
    await gamma.stop();
    const after = await db.controlPlaneNode.findUniqueOrThrow({
      where: { name_role: { name: 'gamma', role: 'worker' } },
    });
    expect(after.stoppedAt).not.toBeNull();
    expect(after.onlineUntil.getTime()).toBeLessThanOrEqual(Date.now());
    const again = await register('gamma', 'worker');
    await again.stop();
  });
});

describe('routing', () => {
  beforeEach(emptyQueues);

  it("sends a pinned entity's jobs to its node's queues, the others to the shared ones", async () => {
    const [free, strict, preferred] = [await cluster(), await cluster(), await cluster()];
    await pin(strict, 'beta', 'strict');
    await pin(preferred, 'beta', 'preferred');
    const job = (clusterId: string) => ({
      name: 'provisionNode',
      data: { clusterId, nodeId: 'node_1' },
    });
    await setOnline('beta', true);
    expect(await targetsOf(db, [job(free), job(strict), job(preferred)])).toEqual([
      'nodes',
      'nodes@beta',
      'nodes@beta',
    ]);
    await setOnline('beta', false);
    expect(await targetsOf(db, [job(free), job(strict), job(preferred)])).toEqual([
      'nodes',
      'nodes@beta',
      'nodes',
    ]);
    // Health checks and sweeps are never pinned.
    expect(await targetsOf(db, [{ name: 'healthCheck', data: {} }])).toEqual(['health']);
    await setOnline('beta', true);
  });

  it("sends an app's jobs where its cluster's go, unless the app has a pin of its own", async () => {
    const clusterId = await cluster();
    await pin(clusterId, 'beta', 'strict');
    const projectId = newId('prj');
    await db.project.create({ data: { id: projectId, organizationId, name: 'p', slug: 'p' } });
    const appId = newId('app');
    await db.app.create({
      data: {
        id: appId,
        organizationId,
        projectId,
        clusterId,
        name: 'web',
        slug: 'web',
        serviceName: `flt-${appId}`,
        sourceType: 'image',
        imageUrl: 'busybox',
      },
    });
    const deploy = { name: 'deployApp', data: { appId, deploymentId: 'dep_1' } };
    expect(await targetsOf(db, [deploy])).toEqual(['apps@beta']);
    await db.controlPlaneAssignment.create({
      data: { entityType: 'app', entityId: appId, appId, nodeName: 'alpha', mode: 'strict' },
    });
    expect(await targetsOf(db, [deploy])).toEqual(['apps@alpha']);
  });

  it('moves a waiting job when its assignment goes, once, however many processes move it', async () => {
    const clusterId = await cluster();
    await pin(clusterId, 'beta', 'strict');
    const jobId = await enqueue(clusterId);
    expect(await whereIs(jobId)).toEqual(['nodes@beta:waiting']);

    await db.controlPlaneAssignment.delete({
      where: { entityType_entityId: { entityType: 'cluster', entityId: clusterId } },
    });
    // Two processes notice at once, and each dispatches.
    const written = await Promise.all([
      rebalanceJobs({ db, queues }),
      rebalanceJobs({ db, queues }),
    ]);
    expect(written[0] + written[1]).toBeGreaterThanOrEqual(1);
    await Promise.all([
      createOutboxDispatcher({ db, queues }).dispatch(),
      createOutboxDispatcher({ db, queues }).dispatch(),
    ]);
    expect(await whereIs(jobId)).toEqual(['nodes:waiting']);
    // Nothing more to move.
    expect(await rebalanceJobs({ db, queues })).toBe(0);
  });

  it('moves waiting jobs off a preferred node that went offline, and runs each once', async () => {
    const clusterId = await cluster();
    await pin(clusterId, 'beta', 'preferred');
    const jobIds = [await enqueue(clusterId), await enqueue(clusterId)];
    for (const id of jobIds) expect(await whereIs(id)).toEqual(['nodes@beta:waiting']);
    await setOnline('beta', false);
    try {
      expect(await rebalanceJobs({ db, queues })).toBe(2);
      await createOutboxDispatcher({ db, queues }).dispatch();
      const ran: string[] = [];
      const workers = (['nodes', 'nodes@alpha', 'nodes@beta'] as const).map(
        (name) =>
          new Worker(name, async (job: Job) => void ran.push(`${name} ${job.id}`), {
            connection: { url: redisUrl, maxRetriesPerRequest: null },
            prefix,
          }),
      );
      try {
        await expect.poll(() => ran.length, { timeout: 10_000 }).toBe(2);
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(ran.sort()).toEqual(jobIds.map((id) => `nodes ${id}`).sort());
      } finally {
        await Promise.all(workers.map((worker) => worker.close()));
      }
    } finally {
      await setOnline('beta', true);
    }
  });

  it('leaves a job where it runs when its assignment changes meanwhile', async () => {
    const clusterId = await cluster();
    await pin(clusterId, 'beta', 'strict');
    const jobId = await enqueue(clusterId);
    let release = () => {};
    const started = new Promise<void>((resolveStarted) => {
      const worker = new Worker(
        'nodes@beta',
        () =>
          new Promise<void>((resolve) => {
            release = () => {
              resolve();
              void worker.close();
            };
            resolveStarted();
          }),
        { connection: { url: redisUrl, maxRetriesPerRequest: null }, prefix },
      );
    });
    await started;
    await pin(clusterId, 'alpha', 'strict');
    // A move written from a stale view (the job was waiting when another process looked).
    await db.outboxJob.create({
      data: {
        queue: 'nodes',
        name: 'provisionNode',
        jobId,
        payload: { clusterId, nodeId: jobId.split('.')[1] as string },
        movedFrom: 'nodes@beta',
      },
    });
    await createOutboxDispatcher({ db, queues }).dispatch();
    expect(await whereIs(jobId)).toEqual(['nodes@beta:active']);
    release();
    await expect.poll(() => whereIs(jobId)).toEqual(['nodes@beta:completed']);
  });

  it('finishes a move cut off after the job left its old queue', async () => {
    const clusterId = await cluster();
    const nodeId = newId('node');
    const jobId = `provisionNode.${nodeId}`;
    // The job was taken out of beta's queue, then the process died before adding it anywhere.
    await db.outboxJob.create({
      data: {
        queue: 'nodes',
        name: 'provisionNode',
        jobId,
        payload: { clusterId, nodeId },
        movedFrom: 'nodes@beta',
      },
    });
    await createOutboxDispatcher({ db, queues }).dispatch();
    expect(await whereIs(jobId)).toEqual(['nodes:waiting']);
  });

  it('does not add a job that is already in another queue', async () => {
    const clusterId = await cluster();
    await pin(clusterId, 'beta', 'strict');
    const nodeId = newId('node');
    await db.$transaction((tx) => writeOutboxJob(tx, 'provisionNode', { clusterId, nodeId }));
    await createOutboxDispatcher({ db, queues }).dispatch();
    await db.controlPlaneAssignment.delete({
      where: { entityType_entityId: { entityType: 'cluster', entityId: clusterId } },
    });
    // The same row dispatched again (its first dispatch reached Redis, its commit did not).
    await db.outboxJob.updateMany({
      where: { jobId: `provisionNode.${nodeId}` },
      data: { dispatchedAt: null },
    });
    await createOutboxDispatcher({ db, queues }).dispatch();
    expect(await whereIs(`provisionNode.${nodeId}`)).toEqual(['nodes@beta:waiting']);
    // Queues.add, as the worker enqueues, likewise.
    await queues.add('provisionNode', { clusterId, nodeId });
    expect(await whereIs(`provisionNode.${nodeId}`)).toEqual(['nodes@beta:waiting']);
    expect((await queues.findJob('nodes', `provisionNode.${nodeId}`))?.queueName).toBe(
      'nodes@beta',
    );
  });
});
