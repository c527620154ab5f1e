// Scenario 1 on a cloud provider: the same SIGKILL during node 3 of a 5-node swarm, with the
// machines ordered from the Hetzner stand-in (each one a new testbed server). The worker is
// killed as soon as node 3's machine exists at the provider, before the node is running: the
// new worker must find that machine again by its tag rather than order a second one, so the
// provider ends with exactly 5 machines, one per node (by its `flotilla-node` label), and none
// orphaned.
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type ClusterOut,
  call,
  clusterReaches,
  eventually,
  type FaultRig,
  jobCounts,
  report,
  rowCounts,
  startFaultRig,
  swarmMembers,
} from './fixture.ts';

let rig: FaultRig;

/** The node a machine was made for, from the label Flotilla puts on it. */
const nodeOf = (machine: { labels: Record<string, string> }) => machine.labels['flotilla-node'];

beforeAll(async () => {
  rig = await startFaultRig({ hosts: 0, hetzner: true });
});
afterAll(() => rig?.close());

it('converges to exactly 5 nodes and 5 machines after the worker is SIGKILLed during node 3', async () => {
  const hetzner = rig.hetzner;
  if (!hetzner) throw new Error('no Hetzner stand-in');
  const created = await call<ClusterOut>(rig.url, 'cluster.create', {
    token: rig.token,
    input: {
      organizationId: rig.organizationId,
      name: 'cloudkill',
      orchestrator: 'swarm',
      provider: 'hetzner',
      region: 'fsn1',
      providerCredentialId: hetzner.credentialId,
      nodes: [
        { role: 'manager', plan: 'nano', count: 1 },
        { role: 'worker', plan: 'nano', count: 4 },
      ],
    },
  });
  const clusterId = created.id;
  const third = created.nodes.find((n) => n.name === 'cloudkill-3');
  if (!third) throw new Error('no node 3 in the answer');

  // Node 3's machine has been ordered (the provider lists it), the node is not running yet.
  const midway = await eventually(
    "node 3's machine ordered",
    async () => {
      const machine = hetzner.standin.servers().find((m) => nodeOf(m) === third.id);
      if (!machine) return undefined;
      const [row] = await rig.sql<{ status: string; lastStep: string | null }[]>`
        select status, "lastStep" from "Node" where id = ${third.id}`;
      if (row?.status === 'running') throw new Error('node 3 was running before the kill');
      return { machine: machine.state, node: row?.status, lastStep: row?.lastStep ?? null };
    },
    { intervalMs: 25, timeoutMs: 180_000 },
  );
  const victim = rig.cp.workers[0];
  if (!victim) throw new Error('no worker process');
  victim.child.kill('SIGKILL');
  await new Promise((resolve) => victim.child.once('exit', resolve));
  const machinesAtKill = hetzner.standin.servers().length;

  const restartedAt = Date.now();
  rig.cp.startWorker();
  const running = await clusterReaches(rig, clusterId, 'running', 240_000, 'running');
  const convergedMs = Date.now() - restartedAt;

  const nodes = await rig.sql<
    {
      id: string;
      name: string;
      orchestratorNodeId: string;
      providerServerId: string | null;
      address: string | null;
    }[]
  >`select id, name, "orchestratorNodeId", "providerServerId", address
    from "Node" where "clusterId" = ${clusterId} order by ordinal`;
  expect(running.nodes).toHaveLength(5);
  expect(nodes).toHaveLength(5);
  expect(new Set(nodes.map((n) => n.name)).size).toBe(5);
  const orchestratorIds = nodes.map((n) => n.orchestratorNodeId).sort();
  expect(new Set(orchestratorIds).size).toBe(5);

  // The provider: exactly one machine per node — same node label, id and address as the row — and
  // no machine ordered twice (five create requests in all, so nothing was made and swept).
  const machines = hetzner.standin.servers();
  expect(machines).toHaveLength(5);
  expect(machines.map(nodeOf).sort()).toEqual(nodes.map((n) => n.id).sort());
  expect(machines.map((m) => m.id).sort()).toEqual(nodes.map((n) => n.providerServerId).sort());
  expect(machines.map((m) => m.address).sort()).toEqual(nodes.map((n) => n.address).sort());
  const creates = hetzner.standin
    .requests()
    .filter((r) => r.method === 'POST' && r.path === '/v1/servers' && r.status === 201);
  expect(creates).toHaveLength(5);

  const managerHost = hetzner.backend.hostName(nodes[0]?.address ?? '');
  if (!managerHost) throw new Error('the manager is not a testbed server');
  const members = await swarmMembers(rig, managerHost);
  expect(members).toHaveLength(5);
  expect(members.every((line) => line.endsWith(' Ready'))).toBe(true);
  expect(members.map((line) => line.split(' ')[0]).sort()).toEqual(orchestratorIds);
  const rows = await rowCounts(rig);
  expect(rows).toMatchObject({ clusters: 1, nodes: 5, outboxPending: 0 });
  const jobs = await jobCounts(rig);
  expect(jobs.failed).toBe(0);

  report('1b · worker SIGKILLed during node 3 of a 5-node create on the Hetzner stand-in', {
    'node 3 at the kill': midway,
    'machines at the kill': machinesAtKill,
    'ms from the new worker to running': convergedMs,
    'node rows': rows.nodes,
    'provider machines (one per node, labels/ids/addresses match)': machines.length,
    'server create requests': creates.length,
    'swarm members (all Ready)': members.length,
    'undispatched outbox rows': rows.outboxPending,
    'BullMQ jobs': jobs,
  });
}, 420_000);
