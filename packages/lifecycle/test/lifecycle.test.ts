import { createDb, createSql, type Db, newId, type Sql } from '@flotilla/db';
import { createTestDatabase, type TestDatabase } from '@flotilla/db/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  appendLog,
  clusterStatusFromNodes,
  decodeEvent,
  EVENTS_CHANNEL,
  type FlotillaEvent,
  IllegalTransitionError,
  NotFoundError,
  transitionCluster,
  transitionNode,
} from '../src/index.ts';

let database: TestDatabase;
let db: Db;
let sql: Sql;
const events: FlotillaEvent[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url });
  sql = createSql(database.url);
  await sql.listen(EVENTS_CHANNEL, (payload) => {
    const event = decodeEvent(payload);
    if (event) events.push(event);
  });
});

afterAll(async () => {
  await sql?.end();
  await db?.$disconnect();
  await database?.drop();
});

async function makeCluster(): Promise<{ clusterId: string; nodeIds: string[] }> {
  const orgId = newId('org');
  await db.organization.create({ data: { id: orgId, name: 'Acme', slug: orgId } });
  const clusterId = newId('cls');
  await db.cluster.create({
    data: {
      id: clusterId,
      organizationId: orgId,
      name: 'prod',
      provider: 'ssh',
      region: 'own',
      orchestrator: 'swarm',
    },
  });
  const nodeIds = [newId('node'), newId('node')];
  await db.node.createMany({
    data: nodeIds.map((id, ordinal) => ({
      id,
      clusterId,
      name: `prod-${ordinal}`,
      role: ordinal === 0 ? ('manager' as const) : ('worker' as const),
      ordinal,
    })),
  });
  return { clusterId, nodeIds };
}

/** A NOTIFY reaches the listening connection a moment after the commit. */
const notified = { timeout: 3_000, interval: 20 };

describe('transitionCluster', () => {
  it('moves along legal edges, records each move with its reason and announces it', async () => {
    const { clusterId } = await makeCluster();
    await transitionCluster(db, clusterId, 'running', 'all 2 nodes ready');
    await transitionCluster(db, clusterId, 'degraded', 'node prod-1 is down');

    const cluster = await db.cluster.findUniqueOrThrow({ where: { id: clusterId } });
    expect(cluster.status).toBe('degraded');
    expect(cluster.statusReason).toBe('node prod-1 is down');

    const transitions = await db.statusTransition.findMany({
      where: { clusterId },
      orderBy: { id: 'asc' },
    });
    expect(transitions.map((t) => [t.fromStatus, t.toStatus, t.reason])).toEqual([
      ['provisioning', 'running', 'all 2 nodes ready'],
      ['running', 'degraded', 'node prod-1 is down'],
    ]);

    const announced = await vi.waitFor(() => {
      const mine = events.filter((e) => e.kind === 'cluster' && e.clusterId === clusterId);
      expect(mine).toHaveLength(2);
      return mine;
    }, notified);
    expect(announced.map((e) => e.kind === 'cluster' && e.to)).toEqual(['running', 'degraded']);
  });

  it('refuses an illegal move and leaves the cluster as it was', async () => {
    const { clusterId } = await makeCluster();
    await transitionCluster(db, clusterId, 'deleting', 'removed by user');
    await expect(transitionCluster(db, clusterId, 'running')).rejects.toBeInstanceOf(
      IllegalTransitionError,
    );
    const cluster = await db.cluster.findUniqueOrThrow({ where: { id: clusterId } });
    expect(cluster.status).toBe('deleting');
    expect(await db.statusTransition.count({ where: { clusterId } })).toBe(1);
  });

  it('treats a move to the current status as done, without recording it again', async () => {
    const { clusterId } = await makeCluster();
    const first = await transitionCluster(db, clusterId, 'running');
    const again = await transitionCluster(db, clusterId, 'running');
    expect([first.changed, again.changed]).toEqual([true, false]);
    expect(await db.statusTransition.count({ where: { clusterId } })).toBe(1);
  });

  it('lets exactly one of two racing writers record a move', async () => {
    const { clusterId } = await makeCluster();
    const results = await Promise.all([
      transitionCluster(db, clusterId, 'running', 'a'),
      transitionCluster(db, clusterId, 'running', 'b'),
    ]);
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    expect(await db.statusTransition.count({ where: { clusterId } })).toBe(1);
  });

  it('joins the caller’s transaction: a rollback undoes the move and its record', async () => {
    const { clusterId } = await makeCluster();
    await expect(
      db.$transaction(async (tx) => {
        await transitionCluster(tx, clusterId, 'running');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const cluster = await db.cluster.findUniqueOrThrow({ where: { id: clusterId } });
    expect(cluster.status).toBe('provisioning');
    expect(await db.statusTransition.count({ where: { clusterId } })).toBe(0);
  });

  it('says so when the cluster does not exist', async () => {
    await expect(transitionCluster(db, 'cls_missing', 'running')).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});

describe('transitionNode', () => {
  it('records node moves against the cluster and announces them', async () => {
    const { clusterId, nodeIds } = await makeCluster();
    const nodeId = nodeIds[1] as string;
    await transitionNode(db, nodeId, 'running', 'joined the swarm');
    await transitionNode(db, nodeId, 'down', 'manager reports it Down');
    await expect(transitionNode(db, nodeId, 'draining')).rejects.toBeInstanceOf(
      IllegalTransitionError,
    );
    const node = await db.node.findUniqueOrThrow({ where: { id: nodeId } });
    expect([node.status, node.statusReason]).toEqual(['down', 'manager reports it Down']);
    const transitions = await db.statusTransition.findMany({ where: { clusterId, nodeId } });
    expect(transitions.map((t) => t.toStatus)).toEqual(['running', 'down']);
    await vi.waitFor(
      () =>
        expect(events).toContainEqual(
          expect.objectContaining({ kind: 'node', nodeId, to: 'down' }),
        ),
      notified,
    );
  });
});

describe('failureKind', () => {
  it('is stored with the reason when a node fails and cleared when it leaves error', async () => {
    const { nodeIds } = await makeCluster();
    const nodeId = nodeIds[0] as string;
    const read = () =>
      db.node.findUniqueOrThrow({
        where: { id: nodeId },
        select: { status: true, statusReason: true, failureKind: true },
      });
    await transitionNode(db, nodeId, 'error', '10.0.0.1 did not answer SSH', 'unreachable');
    expect(await read()).toEqual({
      status: 'error',
      statusReason: '10.0.0.1 did not answer SSH',
      failureKind: 'unreachable',
    });
    await transitionNode(db, nodeId, 'provisioning', 'retrying: its server answers again');
    expect(await read()).toMatchObject({ status: 'provisioning', failureKind: null });
    // A failure without a known kind is still a failure of some kind.
    await transitionNode(db, nodeId, 'error', 'something broke');
    expect(await read()).toMatchObject({ status: 'error', failureKind: 'internal' });
  });

  it('is kept only for error on a cluster too', async () => {
    const { clusterId } = await makeCluster();
    await transitionCluster(db, clusterId, 'running', 'all 2 nodes running', 'unreachable');
    const running = await db.cluster.findUniqueOrThrow({ where: { id: clusterId } });
    expect(running.failureKind).toBeNull();
    await transitionCluster(db, clusterId, 'error', 'no manager is running', 'noManagerRunning');
    const failed = await db.cluster.findUniqueOrThrow({ where: { id: clusterId } });
    expect([failed.statusReason, failed.failureKind]).toEqual([
      'no manager is running',
      'noManagerRunning',
    ]);
  });
});

describe('appendLog', () => {
  it('stores the line and pushes it to listeners, cutting only the announced copy', async () => {
    const { clusterId, nodeIds } = await makeCluster();
    const long = 'x'.repeat(5000);
    await appendLog(db, { clusterId, nodeId: nodeIds[0], step: 'ssh.wait', message: long });
    const [row] = await db.provisioningLog.findMany({ where: { clusterId } });
    expect(row?.message).toHaveLength(5000);
    expect(row?.level).toBe('info');
    const event = await vi.waitFor(() => {
      const found = events.find((e) => e.kind === 'log' && e.clusterId === clusterId);
      if (!found) throw new Error('the log line was not announced');
      return found;
    }, notified);
    expect(event.kind === 'log' && event.message.length).toBeLessThan(2100);
    expect(event.kind === 'log' && event.step).toBe('ssh.wait');
  });
});

describe('clusterStatusFromNodes', () => {
  it('is running only when every node runs, degraded with a live manager, error without', () => {
    expect(
      clusterStatusFromNodes([
        { role: 'manager', status: 'running' },
        { role: 'worker', status: 'running' },
      ]),
    ).toBe('running');
    expect(
      clusterStatusFromNodes([
        { role: 'manager', status: 'running' },
        { role: 'worker', status: 'down' },
      ]),
    ).toBe('degraded');
    expect(
      clusterStatusFromNodes([
        { role: 'manager', status: 'error' },
        { role: 'worker', status: 'running' },
      ]),
    ).toBe('error');
    expect(
      clusterStatusFromNodes([
        { role: 'manager', status: 'running' },
        { role: 'worker', status: 'deleting' },
      ]),
    ).toBe('running');
  });
});
