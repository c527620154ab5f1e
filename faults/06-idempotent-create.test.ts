// Scenario 6: the same cluster.create sent 20 times at once under one Idempotency-Key (a client
// retrying impatiently) → one cluster, every answer names it, and it provisions normally.
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type ClusterOut,
  clusterReaches,
  type FaultRig,
  jobCounts,
  report,
  rowCounts,
  startFaultRig,
  swarmMembers,
  swarmOf,
} from './fixture.ts';

let rig: FaultRig;

beforeAll(async () => {
  rig = await startFaultRig({ hosts: 2 });
});
afterAll(() => rig?.close());

it('creates one cluster from 20 parallel identical requests with one Idempotency-Key', async () => {
  const [a, b] = rig.testbed.hosts;
  if (!a || !b) throw new Error('testbed has too few hosts');
  const body = JSON.stringify(swarmOf(rig, 'once', [a, b]));
  const answers = await Promise.all(
    Array.from({ length: 20 }, async () => {
      const res = await fetch(`${rig.url}/api/cluster.create`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${rig.token}`,
          'content-type': 'application/json',
          'idempotency-key': 'create-once-7f3a',
        },
        body,
      });
      const json = (await res.json()) as { result?: { data: ClusterOut } };
      return {
        status: res.status,
        replayed: res.headers.get('idempotent-replayed') === 'true',
        id: json.result?.data.id,
      };
    }),
  );
  const statuses = answers.map((a) => a.status);
  const ids = new Set(answers.map((a) => a.id));
  expect(statuses.every((s) => s === 201 || s === 200)).toBe(true);
  expect(ids.size).toBe(1);
  expect(answers.filter((a) => !a.replayed)).toHaveLength(1);
  const clusterId = [...ids][0] as string;

  const rowsNow = await rowCounts(rig);
  expect(rowsNow.clusters).toBe(1);
  expect(rowsNow.nodes).toBe(2);

  const running = await clusterReaches(rig, clusterId, 'running');
  expect(running.nodes.map((n) => n.status)).toEqual(['running', 'running']);
  const members = await swarmMembers(rig, a.name);
  expect(members).toHaveLength(2);
  const rows = await rowCounts(rig);
  expect(rows).toMatchObject({ clusters: 1, nodes: 2 });
  const [outbox] = await rig.sql<{ n: number }[]>`
    select count(*)::int as n from "OutboxJob" where name = 'provisionCluster'`;
  expect(outbox?.n).toBe(1);
  const jobs = await jobCounts(rig);
  expect(jobs.failed).toBe(0);

  report('6 · one Idempotency-Key, 20 parallel cluster.create', {
    'HTTP statuses': countBy(statuses),
    'answers replayed': answers.filter((a) => a.replayed).length,
    'distinct cluster ids answered': ids.size,
    'cluster rows': rows.clusters,
    'node rows': rows.nodes,
    'provisionCluster outbox rows': outbox?.n,
    'swarm members on the manager': members.length,
    'BullMQ jobs': jobs,
    'cluster status': running.status,
  });
});

function countBy(values: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
