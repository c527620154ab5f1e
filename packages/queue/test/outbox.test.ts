import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { createDb, type Db, newId } from '@flotilla/db';
import { createTestDatabase, type TestDatabase } from '@flotilla/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOutboxDispatcher,
  createQueues,
  jobIdFor,
  parseJobData,
  type Queues,
  queueNames,
  writeOutboxJob,
} from '../src/index.ts';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let database: TestDatabase;
let db: Db;
let queues: Queues;
const prefix = `flt-test-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url });
  queues = createQueues({ redis: { REDIS_URL: redisUrl }, prefix });
});

afterAll(async () => {
  for (const name of queueNames) {
    await queues?.get(name).obliterate({ force: true });
  }
  await queues?.close();
  await db?.$disconnect();
  await database?.drop();
});

/** A TCP port that accepts nothing: Redis "down" without touching the real one. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('job definitions', () => {
  it('derive the job id from the payload and refuse malformed payloads', () => {
    expect(jobIdFor('provisionNode', { clusterId: 'cls_1', nodeId: 'node_2' })).toBe(
      'provisionNode.node_2',
    );
    expect(() => parseJobData('provisionCluster', { clusterId: '' })).toThrow();
    expect(() => parseJobData('removeNode', { clusterId: 'cls_1' })).toThrow();
  });
});

describe('outbox', () => {
  it('enqueues nothing for a transaction that rolled back', async () => {
    const clusterId = newId('cls');
    await expect(
      db.$transaction(async (tx) => {
        await writeOutboxJob(tx, 'provisionCluster', { clusterId });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const dispatcher = createOutboxDispatcher({ db, queues });
    await dispatcher.dispatch();
    expect(await queues.get('clusters').getJob(`provisionCluster.${clusterId}`)).toBeUndefined();
  });

  it('moves committed jobs to BullMQ once, however often it is dispatched', async () => {
    const clusterId = newId('cls');
    const nodeId = newId('node');
    await db.$transaction(async (tx) => {
      await writeOutboxJob(tx, 'provisionCluster', { clusterId });
      await writeOutboxJob(tx, 'provisionNode', { clusterId, nodeId });
    });
    // Two dispatchers at once (two API processes) and a repeated dispatch.
    const a = createOutboxDispatcher({ db, queues });
    const b = createOutboxDispatcher({ db, queues });
    const moved = await Promise.all([a.dispatch(), b.dispatch()]);
    expect(moved[0] + moved[1]).toBe(2);
    expect(await a.dispatch()).toBe(0);

    const clusterJob = await queues.get('clusters').getJob(`provisionCluster.${clusterId}`);
    expect(clusterJob?.name).toBe('provisionCluster');
    expect(clusterJob?.data).toEqual({ clusterId });
    const nodeJob = await queues.get('nodes').getJob(`provisionNode.${nodeId}`);
    expect(nodeJob?.data).toEqual({ clusterId, nodeId });
    const pending = await db.outboxJob.count({ where: { dispatchedAt: null } });
    expect(pending).toBe(0);
  });

  it('keeps jobs pending while Redis is unreachable and delivers them when it is back', async () => {
    const clusterId = newId('cls');
    await db.$transaction((tx) => writeOutboxJob(tx, 'deleteCluster', { clusterId }));
    const downQueues = createQueues({
      redis: { REDIS_URL: `redis://127.0.0.1:${await deadPort()}` },
      prefix,
    });
    const broken = createOutboxDispatcher({ db, queues: downQueues, enqueueTimeoutMs: 300 });
    await expect(broken.dispatch()).rejects.toBeTruthy();
    // Their Redis is a closed port: closing them may fail, and proves nothing here.
    await downQueues.close().catch(() => undefined);

    const row = await db.outboxJob.findFirstOrThrow({
      where: { jobId: `deleteCluster.${clusterId}` },
    });
    expect(row.dispatchedAt).toBeNull();
    expect(row.attempts).toBeGreaterThan(0);
    expect(row.lastError).toBeTruthy();

    const healthy = createOutboxDispatcher({ db, queues });
    expect(await healthy.dispatch()).toBe(1);
    expect(await queues.get('clusters').getJob(`deleteCluster.${clusterId}`)).toBeDefined();
  });

  it('sweeps on its own once started', async () => {
    const clusterId = newId('cls');
    const dispatcher = createOutboxDispatcher({ db, queues, intervalMs: 50 });
    dispatcher.start();
    try {
      await db.$transaction((tx) => writeOutboxJob(tx, 'provisionCluster', { clusterId }));
      await expect
        .poll(() => queues.get('clusters').getJob(`provisionCluster.${clusterId}`), {
          timeout: 5_000,
          interval: 50,
        })
        .toBeDefined();
    } finally {
      await dispatcher.stop();
    }
  });
});
