// Kubernetes (k3s) clusters on real servers with the k3s stand-in binary uploaded as the
// air-gapped artifact: provision, kubeconfig, a lost agent, remove, delete.
import { createTestbed, k3sStandinPath, type Testbed } from '@flotilla/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningWorker, startWorker } from '../src/worker.ts';
import {
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

interface KubeNode {
  metadata: { name: string; labels?: Record<string, string> };
  status: { conditions: { type: string; status: string }[] };
}

/** `kubectl get nodes` on the first server: node name → Ready. */
async function kubeNodes(): Promise<Map<string, boolean>> {
  const out = await testbed.exec(host(0).name, 'k3s kubectl get nodes -o json');
  if (out.code !== 0) throw new Error(`kubectl get nodes: ${out.stderr}`);
  const items = (JSON.parse(out.stdout) as { items: KubeNode[] }).items;
  return new Map(
    items.map((n) => [
      n.metadata.name,
      n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
    ]),
  );
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
  fx = await createFixture({ K3S_ARTIFACT: k3sStandinPath });
  testbed = await createTestbed({ hosts: 3, authorizedKeys: [fx.keys.publicKey] });
  worker = await startWorker({ config: fx.config, settings: { sshWaitTimeoutMs: 10_000 } });
});

afterAll(async () => {
  await worker?.close(true);
  await testbed?.destroy();
  await fx?.close();
});

describe('a Kubernetes (k3s) cluster of your own servers', () => {
  it('provisions a server and two agents, all Ready, and stores the kubeconfig sealed', async () => {
    const started = Date.now();
    clusterId = await createCluster(fx, {
      name: 'kube',
      orchestrator: 'kubernetes',
      nodes: [
        { role: 'manager', host: host(0) },
        { role: 'worker', host: host(1) },
        { role: 'worker', host: host(2) },
      ],
    });
    await eventually('cluster running', async () =>
      (await clusterStatus()) === 'running' ? true : undefined,
    );
    console.log(`3-node k3s cluster running after ${Date.now() - started} ms`);

    const nodes = await fx.db.node.findMany({ where: { clusterId }, orderBy: { ordinal: 'asc' } });
    const kube = await kubeNodes();
    expect([...kube.keys()].sort()).toEqual(nodes.map((n) => n.name).sort());
    expect([...kube.values()]).toEqual([true, true, true]);
    expect(nodes.map((n) => n.orchestratorNodeId)).toEqual(nodes.map((n) => n.name));

    const cluster = await fx.db.cluster.findUniqueOrThrow({ where: { id: clusterId } });
    expect(cluster.kubeconfigEncrypted).toMatch(/^v1\./);
    // The context the API opens it with (packages/router/src/ssh-keys.ts kubeconfigContext).
    const kubeconfig = fx.sealer.open(
      cluster.kubeconfigEncrypted ?? '',
      `cluster-kubeconfig:${clusterId}`,
    );
    expect(kubeconfig).toContain(`server: https://${host(0).host}:6443`);
    expect(kubeconfig).not.toContain('127.0.0.1');
  });

  it('marks a lost agent down and the cluster degraded, then running when it returns', async () => {
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
    await testbed.start(host(2).name);
    await eventually(
      'cluster running again',
      async () => ((await clusterStatus()) === 'running' ? true : undefined),
      { timeoutMs: 60_000 },
    );
  });

  it('removes an agent: Kubernetes forgets it and k3s is gone from its server', async () => {
    const node = await fx.db.node.findFirstOrThrow({ where: { clusterId, ordinal: 3 } });
    await removeNode(fx, clusterId, node.id);
    await eventually('the node row deleted', async () =>
      (await fx.db.node.findUnique({ where: { id: node.id } })) ? undefined : true,
    );
    expect([...(await kubeNodes()).keys()]).not.toContain(node.name);
    expect((await testbed.exec(host(2).name, 'test -e /usr/local/bin/k3s')).code).not.toBe(0);
    expect(await clusterStatus()).toBe('running');
  });

  it('deletes the cluster: k3s is uninstalled everywhere and the rows are gone', async () => {
    await deleteCluster(fx, clusterId);
    await eventually('cluster row deleted', async () =>
      (await fx.db.cluster.findUnique({ where: { id: clusterId } })) ? undefined : true,
    );
    for (const h of testbed.hosts) {
      expect((await testbed.exec(h.name, 'test -e /usr/local/bin/k3s')).code).not.toBe(0);
    }
  });
});
