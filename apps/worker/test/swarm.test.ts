// The swarm lifecycle against real servers: provision 3 nodes, add a 4th, remove one, lose and
// regain a server (health check), delete — each checked on the servers themselves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addNode,
  clusterGone,
  clusterReaches,
  createCluster,
  deleteCluster,
  type EngineTest,
  eventually,
  removeNode,
  startEngineTest,
  swarmState,
} from './fixture.ts';

let t: EngineTest;
let clusterId: string;

/** `docker node ls` as the given manager sees it: hostname → status. */
async function swarmMembers(host: string): Promise<Map<string, string>> {
  const out = await t.testbed.exec(host, "docker node ls --format '{{.Hostname}} {{.Status}}'");
  if (out.code !== 0) throw new Error(`docker node ls on ${host}: ${out.stderr}`);
  return new Map(
    out.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ') as [string, string]),
  );
}

async function clusterStatus(): Promise<string | undefined> {
  return (await t.fx.db.cluster.findUnique({ where: { id: clusterId } }))?.status;
}

beforeAll(async () => {
  t = await startEngineTest({ hosts: 4 });
});

afterAll(async () => {
  await t?.close();
});

describe('a swarm cluster of your own servers', () => {
  it('provisions 3 nodes: the cluster is running and the manager lists 3 Ready nodes', async () => {
    const started = Date.now();
    clusterId = await createCluster(t.fx, {
      name: 'alpha',
      nodes: [
        { role: 'manager', host: t.host(0) },
        { role: 'worker', host: t.host(1) },
        { role: 'worker', host: t.host(2) },
      ],
    });
    await clusterReaches(t.fx, clusterId, 'running');
    console.log(`3-node swarm running after ${Date.now() - started} ms`);

    const members = await swarmMembers(t.host(0).name);
    expect([...members.values()]).toEqual(['Ready', 'Ready', 'Ready']);
    const nodes = await t.fx.db.node.findMany({
      where: { clusterId },
      orderBy: { ordinal: 'asc' },
    });
    expect(nodes.map((n) => n.status)).toEqual(['running', 'running', 'running']);
    for (const node of nodes) {
      expect(node.hostKey).toMatch(/^ssh-ed25519 /);
      expect(node.orchestratorNodeId).toMatch(/^[a-z0-9]{25}$/);
    }
    // Each swarm node carries Flotilla's node id, so the two can be matched from either side.
    const labels = await t.testbed.exec(
      t.host(0).name,
      `docker node inspect --format '{{index .Spec.Labels "flotilla.node-id"}}' $(docker node ls -q)`,
    );
    expect(labels.stdout.trim().split('\n').sort()).toEqual(nodes.map((n) => n.id).sort());
    const cluster = await t.fx.db.cluster.findUniqueOrThrow({ where: { id: clusterId } });
    expect(cluster.joinSecretsEncrypted).toMatch(/^v2\./);
    expect(cluster.joinSecretsEncrypted).not.toContain('SWMTKN');
    const steps = await t.fx.db.provisioningLog.findMany({
      where: { clusterId, nodeId: nodes[1]?.id },
      orderBy: { id: 'asc' },
    });
    expect(steps.map((s) => s.step)).toEqual(
      expect.arrayContaining([
        'server.obtain',
        'ssh.wait',
        'ssh.hostkey',
        'docker.ensure',
        'swarm.join',
        'node.ready',
      ]),
    );
  });

  it('adds a 4th node, which joins and turns Ready', async () => {
    const nodeId = await addNode(t.fx, clusterId, { role: 'worker', host: t.host(3) });
    await eventually('the new node running', async () => {
      const node = await t.fx.db.node.findUnique({ where: { id: nodeId } });
      return node?.status === 'running' ? node : undefined;
    });
    const members = await swarmMembers(t.host(0).name);
    expect(members.size).toBe(4);
    expect([...members.values()].every((s) => s === 'Ready')).toBe(true);
    expect(await clusterStatus()).toBe('running');
  });

  it('removes a node: it leaves the swarm, the manager forgets it, its row goes', async () => {
    const node = await t.fx.db.node.findFirstOrThrow({ where: { clusterId, ordinal: 4 } });
    await removeNode(t.fx, clusterId, node.id);
    await eventually('the node row deleted', async () =>
      (await t.fx.db.node.findUnique({ where: { id: node.id } })) ? undefined : true,
    );
    expect(await swarmState(t.testbed, t.host(3).name)).toBe('inactive');
    const members = await swarmMembers(t.host(0).name);
    expect(members.size).toBe(3);
    expect(await clusterStatus()).toBe('running');
  });

  it('marks a lost server down and the cluster degraded, then running again when it returns', async () => {
    // Swarm's default heartbeat (5 s) makes a lost node show late; 1 s keeps the test short.
    await t.testbed.exec(t.host(0).name, 'docker swarm update --dispatcher-heartbeat 1s');
    const lost = await t.fx.db.node.findFirstOrThrow({ where: { clusterId, ordinal: 3 } });
    await t.testbed.stop(t.host(2).name);
    const degraded = await clusterReaches(t.fx, clusterId, 'degraded', 60_000);
    expect(degraded.statusReason).toContain(lost.name);
    expect((await t.fx.db.node.findUniqueOrThrow({ where: { id: lost.id } })).status).toBe('down');

    await t.testbed.start(t.host(2).name);
    await clusterReaches(t.fx, clusterId, 'running', 60_000);
    expect((await t.fx.db.node.findUniqueOrThrow({ where: { id: lost.id } })).status).toBe(
      'running',
    );
  });

  it('deletes the cluster: every server leaves the swarm and the rows are gone', async () => {
    await deleteCluster(t.fx, clusterId);
    await clusterGone(t.fx, clusterId);
    for (const h of t.testbed.hosts) expect(await swarmState(t.testbed, h.name)).toBe('inactive');
    expect(await t.fx.db.node.count({ where: { clusterId } })).toBe(0);
  });
});
