// Scenarios 8 and 8b share one body: a manager's server is replaced behind its address (new SSH
// host keys) and must stay refused — node `error` with the security reason, the cluster naming
// it, the pinned key unchanged, exactly one transition to `error` (nothing flips it back).
import { expect } from 'vitest';
import {
  clusterOne,
  clusterReaches,
  createSwarm,
  eventually,
  type FaultRig,
  report,
} from './fixture.ts';

const securityMessage = /host key changed — possible server replacement or MITM/;

export async function replaceFirstManager(
  rig: FaultRig,
  {
    managers,
    clusterStatus,
    title,
  }: { managers: number; clusterStatus: 'error' | 'degraded'; title: string },
): Promise<void> {
  const hosts = rig.testbed.hosts;
  // The health check asks managers in ordinal order, so the first one meets the replaced server
  // (and with several managers, the others answer for the cluster).
  const { id: clusterId } = await createSwarm(rig, 'pinned', hosts, { managers });
  await clusterReaches(rig, clusterId, 'running');
  const [first] = hosts;
  if (!first) throw new Error('no host');
  const [pinnedBefore] = await rig.sql<{ id: string; hostKey: string }[]>`
    select id, "hostKey" from "Node" where "clusterId" = ${clusterId} and ordinal = 1`;
  if (!pinnedBefore) throw new Error('no node 1');

  await rig.testbed.replaceHostKey(first.name);
  const replacedAt = Date.now();
  // The health check is the first to contact the manager again. While the server's sshd restarts
  // with its new keys a check can find it unreachable (node `down`, a single-manager cluster in
  // `error` for that); the next one meets the new key. Wait for the refusal itself.
  const refused = await eventually(
    `node 1 refused and cluster ${clusterStatus}`,
    async () => {
      const cluster = await clusterOne(rig, clusterId);
      const pinned = cluster.nodes.find((n) => n.id === pinnedBefore.id);
      return cluster.status === clusterStatus && pinned?.status === 'error' ? cluster : undefined;
    },
    { timeoutMs: 60_000 },
  );
  const refusedMs = Date.now() - replacedAt;
  const node = refused.nodes.find((n) => n.id === pinnedBefore.id);
  expect(node?.status).toBe('error');
  expect(node?.statusReason).toMatch(securityMessage);
  expect(refused.statusReason).toMatch(securityMessage);
  expect(refused.statusReason).toContain('pinned-1');

  // Several health checks later the server is still refused and the pinned key unchanged.
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  const later = await clusterOne(rig, clusterId);
  expect(later.status).toBe(clusterStatus);
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

  report(title, {
    'ms from key replacement to refusal': refusedMs,
    'node status': later.nodes.map((n) => `${n.name}=${n.status}`),
    'node reason': node?.statusReason,
    'cluster status (4 s later)': later.status,
    'pinned key unchanged': pinnedAfter?.hostKey === pinnedBefore.hostKey,
    'node transitions': history.map((t) => t.toStatus),
  });
}
