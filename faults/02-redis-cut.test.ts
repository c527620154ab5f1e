// Scenario 2: every Redis connection of the API and the worker is cut (as when Redis restarts)
// in the middle of provisioning, and stays down for seconds; a cluster is even requested while
// it is down. When Redis is back, no job is lost: both clusters converge.
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  clusterReaches,
  createSwarm,
  eventually,
  type FaultRig,
  jobCounts,
  report,
  rowCounts,
  startFaultRig,
  swarmMembers,
} from './fixture.ts';

let rig: FaultRig;

beforeAll(async () => {
  rig = await startFaultRig({ hosts: 5, proxyRedis: true });
});
afterAll(() => rig?.close());

it('loses no job when Redis connections are cut mid-provisioning', async () => {
  const proxy = rig.redisProxy;
  if (!proxy) throw new Error('no Redis proxy');
  const [a, b, c, d, e] = rig.testbed.hosts;
  if (!a || !b || !c || !d || !e) throw new Error('testbed has too few hosts');
  const first = await createSwarm(rig, 'before-cut', [a, b, c]);

  // Cut once the swarm is formed and the other nodes' jobs are queued or running.
  const atCut = await eventually(
    'the manager running, the other nodes on their way',
    async () => {
      const rows = await rig.sql<{ name: string; status: string; lastStep: string | null }[]>`
        select name, status, "lastStep" from "Node" where "clusterId" = ${first.id}
        order by ordinal`;
      if (rows.every((n) => n.status === 'running')) throw new Error('provisioned before the cut');
      return rows[0]?.status === 'running' ? rows : undefined;
    },
    { intervalMs: 25 },
  );
  const connectionsAtCut = proxy.connections;
  proxy.cut();
  const cutAt = Date.now();
  // Requested while Redis is down: the API still answers (the job waits in the outbox).
  const second = await createSwarm(rig, 'during-cut', [d, e]);
  const createdWhileDownMs = Date.now() - cutAt;
  await new Promise((resolve) => setTimeout(resolve, 6_000));
  const [pendingWhileDown] = await rig.sql<{ n: number }[]>`
    select count(*)::int as n from "OutboxJob" where "dispatchedAt" is null`;
  proxy.restore();
  const restoredAt = Date.now();

  const [one, two] = await Promise.all([
    clusterReaches(rig, first.id, 'running', 150_000),
    clusterReaches(rig, second.id, 'running', 150_000),
  ]);
  const convergedMs = Date.now() - restoredAt;
  expect(one.nodes.map((n) => n.status)).toEqual(['running', 'running', 'running']);
  expect(two.nodes.map((n) => n.status)).toEqual(['running', 'running']);
  const membersA = await swarmMembers(rig, a.name);
  const membersD = await swarmMembers(rig, d.name);
  expect(membersA).toHaveLength(3);
  expect(membersD).toHaveLength(2);
  expect([...membersA, ...membersD].every((line) => line.endsWith(' Ready'))).toBe(true);
  const rows = await rowCounts(rig);
  expect(rows).toEqual({ clusters: 2, nodes: 5, outboxPending: 0 });
  const jobs = await jobCounts(rig);
  // One provisionCluster per cluster and one provisionNode per non-first node, each completed.
  expect(jobs).toMatchObject({ waiting: 0, active: 0, delayed: 0, failed: 0, completed: 5 });

  report('2 · Redis connections cut mid-provisioning', {
    'nodes of the first cluster at the cut': atCut.map(
      (n) => `${n.name}=${n.status}/${n.lastStep ?? '-'}`,
    ),
    'Redis connections cut': connectionsAtCut,
    'ms for cluster.create while Redis is down': createdWhileDownMs,
    'undispatched outbox rows while down': pendingWhileDown?.n,
    'ms from restore to both running': convergedMs,
    'swarm members': { 'before-cut': membersA.length, 'during-cut': membersD.length },
    'cluster rows': rows.clusters,
    'node rows': rows.nodes,
    'undispatched outbox rows after': rows.outboxPending,
    'BullMQ jobs': jobs,
  });
});
