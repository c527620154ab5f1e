// Scenario 8, second case: the first of three managers is
// replaced behind its address → the health check refuses it, the node stays in `error` with the
// security reason and the cluster is `degraded` naming it, while the other managers answer.
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  clusterOne,
  clusterReaches,
  createSwarm,
  type FaultRig,
  report,
  startFaultRig,
} from './fixture.ts';

let rig: FaultRig;

beforeAll(async () => {
  rig = await startFaultRig({ hosts: 3 });
});
afterAll(() => rig?.close());

const securityMessage = /host key changed — possible server replacement or MITM/;

it('keeps refusing a replaced manager while the other managers answer', async () => {
  const hosts = rig.testbed.hosts;
  // The health check asks managers in ordinal order, so the first one meets the replaced server
  // and the other two answer for the cluster.
  const { id: clusterId } = await createSwarm(rig, 'pinned', hosts, { managers: 3 });
  await clusterReaches(rig, clusterId, 'running');
  const [first] = hosts;
  if (!first) throw new Error('no host');
  const [pinnedBefore] = await rig.sql<{ id: string; hostKey: string }[]>`
    select id, "hostKey" from "Node" where "clusterId" = ${clusterId} and ordinal = 1`;
  if (!pinnedBefore) throw new Error('no node 1');

  await rig.testbed.replaceHostKey(first.name);
  const replacedAt = Date.now();
  const refused = await clusterReaches(rig, clusterId, 'degraded', 60_000);
  const refusedMs = Date.now() - replacedAt;
  const node = refused.nodes.find((n) => n.id === pinnedBefore.id);
  expect(node?.status).toBe('error');
  expect(node?.statusReason).toMatch(securityMessage);
  expect(refused.statusReason).toMatch(securityMessage);
  expect(refused.statusReason).toContain('pinned-1');

  // Several health checks later the server is still refused and the pinned key unchanged.
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  const later = await clusterOne(rig, clusterId);
  expect(later.status).toBe('degraded');
  expect(later.nodes.find((n) => n.id === pinnedBefore.id)?.status).toBe('error');
  const [pinnedAfter] = await rig.sql<{ hostKey: string }[]>`
    select "hostKey" from "Node" where id = ${pinnedBefore.id}`;
  expect(pinnedAfter?.hostKey).toBe(pinnedBefore.hostKey);
  // The refusal is in the node's recorded history, and it happened once: nothing flipped it back.
  const history = await rig.sql<{ toStatus: string; reason: string | null }[]>`
    select "toStatus", reason from "StatusTransition"
    where "nodeId" = ${pinnedBefore.id} order by id`;
  const refusals = history.filter((t) => t.toStatus === 'error');
  expect(refusals).toHaveLength(1);
  expect(refusals[0]?.reason).toMatch(securityMessage);
  expect(history.at(-1)?.toStatus).toBe('error');

  report('8b · first of three managers replaced behind its address', {
    'ms from key replacement to refusal': refusedMs,
    'node status': later.nodes.map((n) => `${n.name}=${n.status}`),
    'node reason': node?.statusReason,
    'cluster status (4 s later)': later.status,
    'pinned key unchanged': pinnedAfter?.hostKey === pinnedBefore.hostKey,
    'node transitions': history.map((t) => t.toStatus),
  });
});
