// Scenario 1: the worker process is killed with SIGKILL while node 3 of a 5-node swarm is being
// bootstrapped; a new worker process starts → the cluster reaches `running` with exactly 5
// nodes, 5 swarm members, no duplicate rows. Provider `ssh` (the testbed's servers): the
// testbed servers are the user's own, so there is no provider machine to orphan; 01b runs the
// same fault on the Hetzner stand-in and counts its machines.
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
  rig = await startFaultRig({ hosts: 5 });
});
afterAll(() => rig?.close());

it('converges to exactly 5 nodes after the worker is SIGKILLed during node 3', async () => {
  const hosts = rig.testbed.hosts;
  const created = await createSwarm(rig, 'killed', hosts);
  const clusterId = created.id;
  const third = created.nodes.find((n) => n.name === 'killed-3');
  if (!third) throw new Error('no node 3 in the answer');

  // Node 3 is past first contact (its host key pinned, Docker or the join under way) but not
  // running yet: the point where redoing work blindly would leave duplicates behind.
  const pastContact = ['ssh.hostkey', 'docker.ensure', 'manager.wait', 'swarm.join', 'node.ready'];
  const midway = await eventually(
    'node 3 mid-bootstrap',
    async () => {
      const [row] = await rig.sql<{ status: string; lastStep: string | null }[]>`
        select status, "lastStep" from "Node" where id = ${third.id}`;
      if (row?.status === 'running') throw new Error('node 3 was running before the kill');
      return row?.lastStep && pastContact.includes(row.lastStep) ? row : undefined;
    },
    { intervalMs: 25 },
  );
  const victim = rig.cp.workers[0];
  if (!victim) throw new Error('no worker process');
  victim.child.kill('SIGKILL');
  await new Promise((resolve) => victim.child.once('exit', resolve));
  const atKill = await rig.sql<{ name: string; status: string; lastStep: string | null }[]>`
    select name, status, "lastStep" from "Node" where "clusterId" = ${clusterId} order by ordinal`;

  const restartedAt = Date.now();
  rig.cp.startWorker();
  const running = await clusterReaches(rig, clusterId, 'running', 150_000);
  const convergedMs = Date.now() - restartedAt;

  const nodes = await rig.sql<{ name: string; status: string; orchestratorNodeId: string }[]>`
    select name, status, "orchestratorNodeId" from "Node" where "clusterId" = ${clusterId}`;
  expect(running.nodes).toHaveLength(5);
  expect(nodes).toHaveLength(5);
  expect(new Set(nodes.map((n) => n.name)).size).toBe(5);
  expect(nodes.every((n) => n.status === 'running')).toBe(true);
  const orchestratorIds = nodes.map((n) => n.orchestratorNodeId).sort();
  expect(new Set(orchestratorIds).size).toBe(5);

  const [manager] = hosts;
  if (!manager) throw new Error('no manager host');
  const members = await swarmMembers(rig, manager.name);
  expect(members).toHaveLength(5);
  expect(members.every((line) => line.endsWith(' Ready'))).toBe(true);
  expect(members.map((line) => line.split(' ')[0]).sort()).toEqual(orchestratorIds);
  const rows = await rowCounts(rig);
  expect(rows).toMatchObject({ clusters: 1, nodes: 5, outboxPending: 0 });
  const jobs = await jobCounts(rig);
  expect(jobs.failed).toBe(0);

  report('1 · worker SIGKILLed during node 3 of a 5-node create', {
    'node 3 at the kill': midway,
    'nodes at the kill': atKill.map((n) => `${n.name}=${n.status}/${n.lastStep ?? '-'}`),
    'ms from the new worker to running': convergedMs,
    'cluster rows': rows.clusters,
    'node rows': rows.nodes,
    'distinct swarm ids in rows': new Set(orchestratorIds).size,
    'swarm members (all Ready)': members.length,
    'undispatched outbox rows': rows.outboxPending,
    'BullMQ jobs': jobs,
    'provider machines':
      'none — provider ssh (the user’s own servers); see 1b for a cloud provider',
  });
});
