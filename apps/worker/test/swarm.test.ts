// The swarm lifecycle against real servers: provision 3 nodes, add a 4th, remove one, lose and
// regain a server (health check), delete — each checked on the servers themselves.
import { createTestbed, type Testbed } from '@flotilla/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningWorker, startWorker } from '../src/worker.ts';
import {
  addNode,
  createCluster,
  createFixture,
  deleteCluster,
  eventually,
  type Fixture,
  removeNode,
} from './fixture.ts';

let fx: Fixture;
let testbed: Testbed;
let worker: RunningWorker;
let clusterId: string;

/** `docker node ls` as the given manager sees it: hostname → status. */
async function swarmMembers(host: string): Promise<Map<string, string>> {
  const out = await testbed.exec(host, "docker node ls --format '{{.Hostname}} {{.Status}}'");
  if (out.code !== 0) throw new Error(`docker node ls on ${host}: ${out.stderr}`);
  return new Map(
    out.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ') as [string, string]),
  );
}

async function swarmState(host: string): Promise<string> {
  const out = await testbed.exec(host, "docker info --format '{{.Swarm.LocalNodeState}}'");
  return out.stdout.trim();
}

async function clusterStatus(): Promise<string | undefined> {
  return (await fx.db.cluster.findUnique({ where: { id: clusterId } }))?.status;
}

function host(index: number) {
  const h = testbed.hosts[index];
  if (!h) throw new Error(`no testbed host ${index}`);
  return h;
}

beforeAll(async () => {
  fx = await createFixture();
  testbed = await createTestbed({ hosts: 4, authorizedKeys: [fx.keys.publicKey] });
  worker = await startWorker({ config: fx.config, settings: { sshWaitTimeoutMs: 10_000 } });
});

afterAll(async () => {
  await worker?.close(true);
  await testbed?.destroy();
  await fx?.close();
});

describe('a swarm cluster of your own servers', () => {
  it('provisions 3 nodes: the cluster is running and the manager lists 3 Ready nodes', async () => {
    const started = Date.now();
    clusterId = await createCluster(fx, {
      name: 'alpha',
      nodes: [
        { role: 'manager', host: host(0) },
        { role: 'worker', host: host(1) },
        { role: 'worker', host: host(2) },
      ],
    });
    await eventually('cluster running', async () =>
      (await clusterStatus()) === 'running' ? true : undefined,
    );
    console.log(`3-node swarm running after ${Date.now() - started} ms`);

    const members = await swarmMembers(host(0).name);
    expect([...members.values()]).toEqual(['Ready', 'Ready', 'Ready']);
    const nodes = await fx.db.node.findMany({ where: { clusterId }, orderBy: { ordinal: 'asc' } });
    expect(nodes.map((n) => n.status)).toEqual(['running', 'running', 'running']);
    for (const node of nodes) {
      expect(node.hostKey).toMatch(/^ssh-ed25519 /);
      expect(node.orchestratorNodeId).toMatch(/^[a-z0-9]{25}$/);
    }
    // Each swarm node carries Flotilla's node id, so the two can be matched from either side.
    const labels = await testbed.exec(
      host(0).name,
      `docker node inspect --format '{{index .Spec.Labels "flotilla.node-id"}}' $(docker node ls -q)`,
    );
    expect(labels.stdout.trim().split('\n').sort()).toEqual(nodes.map((n) => n.id).sort());
    const cluster = await fx.db.cluster.findUniqueOrThrow({ where: { id: clusterId } });
    expect(cluster.joinSecretsEncrypted).toMatch(/^v1\./);
    expect(cluster.joinSecretsEncrypted).not.toContain('SWMTKN');
    const steps = await fx.db.provisioningLog.findMany({
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
    const nodeId = await addNode(fx, clusterId, { role: 'worker', host: host(3) });
    await eventually('the new node running', async () => {
      const node = await fx.db.node.findUnique({ where: { id: nodeId } });
      return node?.status === 'running' ? node : undefined;
    });
    const members = await swarmMembers(host(0).name);
    expect(members.size).toBe(4);
    expect([...members.values()].every((s) => s === 'Ready')).toBe(true);
    expect(await clusterStatus()).toBe('running');
  });

  it('removes a node: it leaves the swarm, the manager forgets it, its row goes', async () => {
    const node = await fx.db.node.findFirstOrThrow({ where: { clusterId, ordinal: 4 } });
    await removeNode(fx, clusterId, node.id);
    await eventually('the node row deleted', async () =>
      (await fx.db.node.findUnique({ where: { id: node.id } })) ? undefined : true,
    );
    expect(await swarmState(host(3).name)).toBe('inactive');
    const members = await swarmMembers(host(0).name);
    expect(members.size).toBe(3);
    expect(await clusterStatus()).toBe('running');
  });

  it('marks a lost server down and the cluster degraded, then running again when it returns', async () => {
    // Swarm's default heartbeat (5 s) makes a lost node show late; 1 s keeps the test short.
    await testbed.exec(host(0).name, 'docker swarm update --dispatcher-heartbeat 1s');
    const lost = await fx.db.node.findFirstOrThrow({ where: { clusterId, ordinal: 3 } });
    await testbed.stop(host(2).name);
    const degraded = await eventually(
      'cluster degraded',
      async () => {
        const c = await fx.db.cluster.findUnique({ where: { id: clusterId } });
        return c?.status === 'degraded' ? c : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(degraded.statusReason).toContain(lost.name);
    expect((await fx.db.node.findUniqueOrThrow({ where: { id: lost.id } })).status).toBe('down');

    await testbed.start(host(2).name);
    await eventually(
      'cluster running again',
      async () => ((await clusterStatus()) === 'running' ? true : undefined),
      { timeoutMs: 60_000 },
    );
    expect((await fx.db.node.findUniqueOrThrow({ where: { id: lost.id } })).status).toBe('running');
  });

  it('deletes the cluster: every server leaves the swarm and the rows are gone', async () => {
    await deleteCluster(fx, clusterId);
    await eventually('cluster row deleted', async () =>
      (await fx.db.cluster.findUnique({ where: { id: clusterId } })) ? undefined : true,
    );
    for (const h of testbed.hosts) expect(await swarmState(h.name)).toBe('inactive');
    expect(await fx.db.node.count({ where: { clusterId } })).toBe(0);
  });
});
