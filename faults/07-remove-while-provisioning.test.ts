// Scenario 7: cluster.remove while the cluster is still provisioning → what was built so far is
// torn down (every server out of any swarm), the rows are gone, no job keeps working on it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  ApiError,
  call,
  createSwarm,
  eventually,
  type FaultRig,
  jobCounts,
  report,
  rowCounts,
  startFaultRig,
  swarmState,
} from './fixture.ts';

let rig: FaultRig;

beforeAll(async () => {
  rig = await startFaultRig({ hosts: 4 });
});
afterAll(() => rig?.close());

it('tears down everything created so far when a provisioning cluster is removed', async () => {
  const hosts = rig.testbed.hosts;
  const created = await createSwarm(rig, 'halfway', hosts);
  const clusterId = created.id;

  // The swarm exists (the manager is running) and another node's job is part-way through.
  const atRemove = await eventually(
    'the manager running and another node mid-bootstrap',
    async () => {
      const nodes = await rig.sql<{ name: string; status: string; lastStep: string | null }[]>`
        select name, status, "lastStep" from "Node" where "clusterId" = ${clusterId}
        order by ordinal`;
      const [manager, ...others] = nodes;
      if (others.length > 0 && others.every((n) => n.status === 'running')) {
        throw new Error('every node was running before the removal');
      }
      const midway = others.some((n) => n.lastStep && n.status === 'provisioning');
      return manager?.status === 'running' && midway ? nodes : undefined;
    },
    { intervalMs: 25 },
  );
  const removedAt = Date.now();
  const res = await fetch(`${rig.url}/api/cluster.remove?clusterId=${clusterId}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${rig.token}` },
  });
  expect(res.status).toBe(204);

  await eventually(
    'the cluster gone',
    async () => {
      try {
        await call(rig.url, 'cluster.one', {
          token: rig.token,
          method: 'GET',
          input: { clusterId },
        });
        return undefined;
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return true;
        throw error;
      }
    },
    { timeoutMs: 120_000 },
  );
  const goneMs = Date.now() - removedAt;

  const states = await Promise.all(hosts.map((h) => swarmState(rig, h.name)));
  expect(states).toEqual(hosts.map(() => 'inactive'));
  const rows = await rowCounts(rig);
  expect(rows).toEqual({ clusters: 0, nodes: 0, outboxPending: 0 });
  const [logs] = await rig.sql<{ n: number }[]>`
    select count(*)::int as n from "ProvisioningLog" where "clusterId" = ${clusterId}`;
  expect(logs?.n).toBe(0);
  // Nothing keeps working on the deleted cluster, and nothing comes back a little later.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const jobs = await jobCounts(rig);
  expect(jobs.active + jobs.waiting + jobs.delayed).toBe(0);
  const statesLater = await Promise.all(hosts.map((h) => swarmState(rig, h.name)));
  expect(statesLater).toEqual(hosts.map(() => 'inactive'));
  expect(await rowCounts(rig)).toEqual(rows);

  report('7 · cluster.remove while provisioning', {
    'nodes at the removal': atRemove.map((n) => `${n.name}=${n.status}/${n.lastStep ?? '-'}`),
    'ms from remove to 404': goneMs,
    'swarm state of every server': states,
    'cluster rows': rows.clusters,
    'node rows': rows.nodes,
    'log rows of the cluster': logs?.n,
    'undispatched outbox rows': rows.outboxPending,
    'BullMQ jobs (3 s later)': jobs,
    'provider machines': 'none to check — provider ssh (the testbed servers are the user’s own)',
  });
});
