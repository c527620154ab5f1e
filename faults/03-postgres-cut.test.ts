// Scenario 3: every Postgres connection of the API and the worker is cut (as when Postgres
// restarts) in the middle of provisioning and under API load. While it is down the API answers
// 503 promptly (each request is bounded; none hangs, none is a 500); it recovers by itself, the
// cluster converges, and a cluster.create refused during the outage left nothing half-written.
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
  swarmOf,
} from './fixture.ts';

let rig: FaultRig;

beforeAll(async () => {
  // A query waits at most 1.5 s for a connection: past that, the database counts as down.
  rig = await startFaultRig({
    hosts: 5,
    proxyPostgres: true,
    env: { DATABASE_CONNECT_TIMEOUT_MS: '1500' },
  });
});
afterAll(() => rig?.close());

interface Sample {
  at: number;
  ms: number;
  status: number;
  /** The body of an answer other than 200 or 503, to show what went wrong. */
  body?: string;
  /** A 503's Retry-After header and error code. */
  retryAfter?: string | null;
  code?: string;
}

/** Bounded request: a hang shows as status 0 after `limitMs`. */
async function timed(url: string, init: RequestInit = {}, limitMs = 10_000): Promise<Sample> {
  const at = Date.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(limitMs) });
    const body = await res.text();
    const sample = { at, ms: Date.now() - at, status: res.status };
    if (res.status === 503) {
      const code = (JSON.parse(body) as { error?: { code?: string } }).error?.code;
      return { ...sample, retryAfter: res.headers.get('retry-after'), ...(code ? { code } : {}) };
    }
    return res.status === 200 ? sample : { ...sample, body };
  } catch {
    return { at, ms: Date.now() - at, status: 0 };
  }
}

it('answers 503 while Postgres is cut, recovers by itself, leaves nothing half-written', async () => {
  const proxy = rig.postgresProxy;
  if (!proxy) throw new Error('no Postgres proxy');
  const [a, b, c, d, e] = rig.testbed.hosts;
  if (!a || !b || !c || !d || !e) throw new Error('testbed has too few hosts');
  const auth = { authorization: `Bearer ${rig.token}` };
  const first = await createSwarm(rig, 'survivor', [a, b, c]);

  // API load: 8 clients reading the cluster list and the cluster in a loop, start to finish.
  const samples: Sample[] = [];
  let loading = true;
  const reads = [
    `${rig.url}/api/cluster.all?organizationId=${rig.organizationId}`,
    `${rig.url}/api/cluster.one?clusterId=${first.id}`,
  ];
  const clients = Array.from({ length: 8 }, async (_, i) => {
    while (loading) samples.push(await timed(reads[i % 2] as string, { headers: auth }));
  });

  await eventually(
    'provisioning under way',
    async () => {
      const rows = await rig.sql<{ lastStep: string | null }[]>`
        select "lastStep" from "Node" where "clusterId" = ${first.id}`;
      return rows.some((n) => n.lastStep) ? true : undefined;
    },
    { intervalMs: 25 },
  );
  proxy.cut();
  const cutAt = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const healthDown = await timed(`${rig.url}/health`);
  const createDown = await timed(`${rig.url}/api/cluster.create`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify(swarmOf(rig, 'refused', [d, e])),
  });
  await new Promise((resolve) => setTimeout(resolve, 7_000));
  proxy.restore();
  const restoredAt = Date.now();

  const recovered = await eventually(
    'the API answering 200 again',
    async () => {
      const s = samples.filter((x) => x.at > restoredAt && x.status === 200);
      return s.length > 0 ? s[0] : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 50 },
  ).catch((error) => {
    loading = false;
    const after = samples.filter((x) => x.at > restoredAt);
    const bodies = [...new Set(after.map((x) => `${x.status} ${x.body ?? ''}`))].slice(0, 5);
    throw new Error(
      `${error}\nanswers since the restore: ${JSON.stringify(countBy(after.map((x) => x.status)))}\n${bodies.join('\n')}\nAPI output:\n${rig.cp.apis[0]?.output().slice(-3000)}`,
    );
  });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  loading = false;
  await Promise.all(clients);

  const during = samples.filter((s) => s.at > cutAt + 500 && s.at + s.ms < restoredAt);
  expect(during.length).toBeGreaterThan(20);
  const unexpected = samples.filter((s) => s.body !== undefined);
  if (unexpected.length > 0) console.log(rig.cp.apis[0]?.output());
  expect(unexpected.slice(0, 3).map((s) => `${s.status} ${s.body}`)).toEqual([]);
  expect(countBy(during.map((s) => s.status))).toEqual({ 503: during.length });
  const slowest = Math.max(...during.map((s) => s.ms));
  expect(slowest).toBeLessThan(5_000);
  expect(healthDown.status).toBe(503);
  expect(createDown.status).toBe(503);
  // The API's 503s say why and when to retry (/health names the failing check instead).
  const apiRefusals = [...during, createDown].filter((s) => s.status === 503);
  expect(new Set(apiRefusals.map((s) => s.code))).toEqual(new Set(['SERVICE_UNAVAILABLE']));
  expect(apiRefusals.filter((s) => !(Number(s.retryAfter) > 0))).toEqual([]);
  const statuses = countBy(samples.map((s) => s.status));
  expect(Object.keys(statuses).filter((s) => s !== '200' && s !== '503')).toEqual([]);

  const running = await clusterReaches(rig, first.id, 'running', 150_000);
  expect(running.nodes.map((n) => n.status)).toEqual(['running', 'running', 'running']);
  const members = await swarmMembers(rig, a.name);
  expect(members).toHaveLength(3);
  // Nothing half-written: the refused create left no rows; every cluster has all its nodes
  // and its provisioning job.
  const rows = await rowCounts(rig);
  expect(rows).toEqual({ clusters: 1, nodes: 3, outboxPending: 0 });
  const [refused] = await rig.sql<{ n: number }[]>`
    select count(*)::int as n from "Cluster" where name = 'refused'`;
  expect(refused?.n).toBe(0);
  const jobs = await jobCounts(rig);
  expect(jobs).toMatchObject({ waiting: 0, active: 0, delayed: 0, failed: 0 });
  for (const api of rig.cp.apis) expect(api.child.exitCode).toBeNull();

  report('3 · Postgres connections cut mid-provisioning and under API load', {
    'requests during the outage': during.length,
    'their statuses': countBy(during.map((s) => s.status)),
    'slowest answer during the outage (ms)': slowest,
    '/health while down': healthDown.status,
    'cluster.create while down': `${createDown.status} in ${createDown.ms} ms`,
    'Retry-After on the 503s (s)': [...new Set(apiRefusals.map((s) => s.retryAfter))],
    'ms from restore to the first 200': recovered.at + recovered.ms - restoredAt,
    'all statuses over the run': statuses,
    'cluster status': running.status,
    'swarm members': members.length,
    'cluster rows': rows.clusters,
    'node rows': rows.nodes,
    'clusters named "refused"': refused?.n,
    'undispatched outbox rows': rows.outboxPending,
    'BullMQ jobs': jobs,
  });
});

function countBy(values: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
