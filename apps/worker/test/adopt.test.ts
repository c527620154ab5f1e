// Adopting a Swarm Flotilla did not create: three testbed servers form it by hand (`docker swarm
// init` / `join`), cluster.import takes SSH access to its manager, and from then on the health
// check watches it like Flotilla's own. A worker given as the manager is refused with nothing
// written; removing the adopted cluster forgets it and the Swarm keeps running on the servers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineTest, eventually, startEngineTest, swarmState } from './fixture.ts';

let t: EngineTest;

/** `docker node ls` on the first server: "hostname role status" lines, sorted. */
async function nodesOnServers(): Promise<string[]> {
  const out = await t.testbed.exec(
    t.host(0).name,
    `docker node ls --format '{{.Hostname}} {{if .ManagerStatus}}manager{{else}}worker{{end}} {{.Status}}'`,
  );
  return out.stdout
    .trim()
    .split('\n')
    .map((line) => line.trim())
    .sort();
}

beforeAll(async () => {
  t = await startEngineTest({ hosts: 3 });
  const [a, b, c] = [t.host(0), t.host(1), t.host(2)];
  const init = await t.testbed.exec(a.name, `docker swarm init --advertise-addr ${a.host}`);
  expect(init.code, init.stderr).toBe(0);
  // a and b manage it, c works in it.
  for (const [host, role] of [
    [b, 'manager'],
    [c, 'worker'],
  ] as const) {
    const token = (
      await t.testbed.exec(a.name, `docker swarm join-token -q ${role}`)
    ).stdout.trim();
    const joined = await t.testbed.exec(
      host.name,
      `docker swarm join --token ${token} ${a.host}:2377`,
    );
    expect(joined.code, joined.stderr).toBe(0);
  }
  await eventually(
    'the hand-made swarm has 3 Ready nodes',
    async () => ((await nodesOnServers()).every((l) => l.endsWith('Ready')) ? true : undefined),
    { timeoutMs: 60_000 },
  );
}, 240_000);

afterAll(async () => {
  await t?.close();
});

describe('cluster.import of a hand-made Swarm', () => {
  let clusterId: string;

  it('refuses a worker given as the manager, naming the field, and writes nothing', async () => {
    const error = await t.fx
      .api()
      .cluster.import({
        organizationId: t.fx.orgId,
        name: 'adopted',
        host: t.host(2).host,
        sshKeyId: t.fx.sshKeyId,
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'BAD_REQUEST',
      issues: [
        { path: 'host', message: expect.stringMatching(/worker of its swarm, not a manager/) },
      ],
    });
    expect(await t.fx.db.cluster.count({ where: { organizationId: t.fx.orgId } })).toBe(0);
    expect(await t.fx.db.node.count()).toBe(0);
  });

  it('records its three nodes as the servers list them, the manager’s host key pinned', async () => {
    const cluster = await t.fx.api().cluster.import({
      organizationId: t.fx.orgId,
      name: 'adopted',
      host: t.host(0).host,
      sshKeyId: t.fx.sshKeyId,
    });
    clusterId = cluster.id;
    expect(cluster).toMatchObject({
      adopted: true,
      provider: 'ssh',
      orchestrator: 'swarm',
      status: 'running',
    });
    expect(cluster.orchestratorVersion).toMatch(/^\d+\.\d+/);
    const listed = cluster.nodes
      .map((n) => `${n.name} ${n.role} ${n.status === 'running' ? 'Ready' : n.status}`)
      .sort();
    expect(listed).toEqual(await nodesOnServers());
    expect(cluster.nodes.every((n) => n.version)).toBe(true);
    const rows = await t.fx.db.node.findMany({ where: { clusterId }, orderBy: { ordinal: 'asc' } });
    // The manager given first (it is asked first), then the other manager, then the worker, each
    // at the address the swarm knows it by.
    expect(rows.map((r) => `${r.role} ${r.address}`)).toEqual([
      `manager ${t.host(0).host}`,
      `manager ${t.host(1).host}`,
      `worker ${t.host(2).host}`,
    ]);
    // Host keys pinned for the managers, which were reached; none for the worker, never dialled.
    const presented = async (name: string) =>
      (
        await t.testbed.exec(name, 'cut -d" " -f1,2 /etc/ssh/ssh_host_ed25519_key.pub')
      ).stdout.trim();
    expect(rows[0]?.hostKey).toBe(await presented(t.host(0).name));
    expect(rows[1]?.hostKey).toBe(await presented(t.host(1).name));
    expect(rows[2]?.hostKey).toBeNull();
  });

  it('cluster.test reaches it now', async () => {
    const result = await t.fx.api().cluster.test({ clusterId });
    expect(result).toMatchObject({
      reachable: true,
      health: 'healthy',
      orchestrator: 'swarm',
      nodeCount: 3,
      readyCount: 3,
      reason: null,
    });
    expect(result.version).toMatch(/^\d+\.\d+/);
  });

  it('is health-checked like its own: a stopped server makes it degraded', async () => {
    const stopped = t.host(2);
    await t.testbed.stop(stopped.name);
    try {
      const row = await eventually(
        'the adopted cluster is degraded',
        async () => {
          const c = await t.fx.db.cluster.findUnique({ where: { id: clusterId } });
          return c?.status === 'degraded' ? c : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 500 },
      );
      expect(row.statusReason).toMatch(new RegExp(stopped.name));
      const node = await t.fx.db.node.findFirst({ where: { clusterId, name: stopped.name } });
      expect(node?.status).toBe('down');
      const test = await t.fx.api().cluster.test({ clusterId });
      expect(test).toMatchObject({ health: 'degraded', readyCount: 2, nodeCount: 3 });
    } finally {
      await t.testbed.start(stopped.name);
    }
    await eventually(
      'the adopted cluster is running again',
      async () =>
        (await t.fx.db.cluster.findUnique({ where: { id: clusterId } }))?.status === 'running' ||
        undefined,
      { timeoutMs: 120_000, intervalMs: 500 },
    );
  });

  it('cluster.refresh records a server that joined by hand', async () => {
    const spare = await t.testbed.addHost();
    const token = (
      await t.testbed.exec(t.host(0).name, 'docker swarm join-token -q worker')
    ).stdout.trim();
    const joined = await t.testbed.exec(
      spare.name,
      `docker swarm join --token ${token} ${t.host(0).host}:2377`,
    );
    expect(joined.code, joined.stderr).toBe(0);
    const refreshed = await eventually(
      'the refresh sees the new node Ready',
      async () => {
        const result = await t.fx.api().cluster.refresh({ clusterId });
        return result.nodes.find((n) => n.name === spare.name && n.status === 'running')
          ? result
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 2_000 },
    );
    expect(refreshed.nodes).toHaveLength(4);
    expect((await nodesOnServers()).length).toBe(4);
  });

  it('cluster.remove forgets it and the Swarm keeps running on the servers', async () => {
    const before = await nodesOnServers();
    await t.fx.api().cluster.remove({ clusterId });
    expect(await t.fx.db.cluster.findUnique({ where: { id: clusterId } })).toBeNull();
    expect(await t.fx.db.node.count({ where: { clusterId } })).toBe(0);
    // Nothing was asked of the servers: no job, and every one is still in its swarm.
    expect(await t.fx.db.outboxJob.count({ where: { name: 'deleteCluster' } })).toBe(0);
    for (const host of t.testbed.hosts)
      expect(await swarmState(t.testbed, host.name)).toBe('active');
    expect(await nodesOnServers()).toEqual(before);
  });
});
