// Scenario 4: a server stops answering during bootstrap → after bounded retries its node is
// `error` and the cluster `degraded` with the reason; when the server answers again, the health
// check's retry brings the node (and the cluster) back to `running`. The retry budget is the
// production mechanism with small numbers: 3 attempts, 5 s of SSH wait each, backoff from 1 s.
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  clusterReaches,
  createSwarm,
  eventually,
  type FaultRig,
  jobCounts,
  report,
  startFaultRig,
  swarmMembers,
} from './fixture.ts';

let rig: FaultRig;

beforeAll(async () => {
  rig = await startFaultRig({
    hosts: 3,
    env: { JOB_ATTEMPTS: '3', JOB_BACKOFF_MS: '1000', SSH_WAIT_TIMEOUT_MS: '5000' },
  });
});
afterAll(() => rig?.close());

it('gives up on a silent server after bounded retries and takes it back when it returns', async () => {
  const [a, b, c] = rig.testbed.hosts;
  if (!a || !b || !c) throw new Error('testbed has too few hosts');
  // The third server is cut off before the worker reaches it: its bootstrap meets silence.
  await rig.testbed.stop(c.name);
  const created = await createSwarm(rig, 'silent', [a, b, c]);
  const stoppedAt = Date.now();
  // 3 × 5 s of waiting plus 1 s + 2 s of backoff, and the first two nodes' bootstrap.
  const degraded = await clusterReaches(rig, created.id, 'degraded', 120_000);
  const gaveUpMs = Date.now() - stoppedAt;
  const silent = degraded.nodes.find((n) => n.name === 'silent-3');
  expect(silent?.status).toBe('error');
  expect(silent?.statusReason).toMatch(/SSH|answer|timed out/i);
  expect(degraded.statusReason).toContain('silent-3');
  const [retries] = await rig.sql<{ n: number }[]>`
    select count(*)::int as n from "ProvisioningLog"
    where "nodeId" = ${silent?.id ?? ''} and step = 'node.retry'`;

  await rig.testbed.start(c.name);
  const startedAt = Date.now();
  const running = await clusterReaches(rig, created.id, 'running', 120_000, 'running');
  const backMs = Date.now() - startedAt;
  expect(running.nodes.map((n) => n.status)).toEqual(['running', 'running', 'running']);
  const members = await swarmMembers(rig, a.name);
  expect(members).toHaveLength(3);
  const jobs = await eventually('no job in flight', async () => {
    const counts = await jobCounts(rig);
    return counts.active + counts.waiting + counts.delayed === 0 ? counts : undefined;
  });

  report('4 · a server stops answering during bootstrap', {
    'ms until the node was given up (error, cluster degraded)': gaveUpMs,
    'attempts retried before giving up': retries?.n,
    'reason shown': silent?.statusReason,
    'ms from the server answering again to running': backMs,
    'swarm members': members.length,
    'BullMQ jobs': jobs,
  });
}, 300_000);
