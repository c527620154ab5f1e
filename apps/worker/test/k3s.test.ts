// Kubernetes (k3s) clusters on real servers with the k3s stand-in binary uploaded as the
// air-gapped artifact: provision, kubeconfig, a lost agent, remove, delete.
import { k3sStandinPath } from '@flotilla/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clusterGone,
  clusterReaches,
  createCluster,
  deleteCluster,
  type EngineTest,
  eventually,
  removeNode,
  startEngineTest,
} from './fixture.ts';

let t: EngineTest;
let clusterId: string;

interface KubeNode {
  metadata: { name: string; labels?: Record<string, string> };
  status: { conditions: { type: string; status: string }[] };
}

/** `kubectl get nodes` on the first server: node name → Ready. */
async function kubeNodes(): Promise<Map<string, boolean>> {
  const out = await t.testbed.exec(t.host(0).name, 'k3s kubectl get nodes -o json');
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
  return (await t.fx.db.cluster.findUnique({ where: { id: clusterId } }))?.status;
}

beforeAll(async () => {
  t = await startEngineTest({ hosts: 3, env: { K3S_ARTIFACT: k3sStandinPath } });
});

afterAll(async () => {
  await t?.close();
});

describe('a Kubernetes (k3s) cluster of your own servers', () => {
  it('provisions a server and two agents, all Ready, and stores the kubeconfig sealed', async () => {
    const started = Date.now();
    clusterId = await createCluster(t.fx, {
      name: 'kube',
      orchestrator: 'kubernetes',
      nodes: [
        { role: 'manager', host: t.host(0) },
        { role: 'worker', host: t.host(1) },
        { role: 'worker', host: t.host(2) },
      ],
    });
    await clusterReaches(t.fx, clusterId, 'running');
    console.log(`3-node k3s cluster running after ${Date.now() - started} ms`);

    const nodes = await t.fx.db.node.findMany({
      where: { clusterId },
      orderBy: { ordinal: 'asc' },
    });
    const kube = await kubeNodes();
    expect([...kube.keys()].sort()).toEqual(nodes.map((n) => n.name).sort());
    expect([...kube.values()]).toEqual([true, true, true]);
    expect(nodes.map((n) => n.orchestratorNodeId)).toEqual(nodes.map((n) => n.name));

    const cluster = await t.fx.db.cluster.findUniqueOrThrow({ where: { id: clusterId } });
    expect(cluster.kubeconfigEncrypted).toMatch(/^v2\./);
    // The context the API opens it with (packages/router/src/ssh-keys.ts kubeconfigContext).
    const kubeconfig = t.fx.sealer.open(
      cluster.kubeconfigEncrypted ?? '',
      `cluster-kubeconfig:${clusterId}`,
    );
    expect(kubeconfig).toContain(`server: https://${t.host(0).host}:6443`);
    expect(kubeconfig).not.toContain('127.0.0.1');
  });

  it('marks a lost agent down and the cluster degraded, then running when it returns', async () => {
    const lost = await t.fx.db.node.findFirstOrThrow({ where: { clusterId, ordinal: 3 } });
    await t.testbed.stop(t.host(2).name);
    const degraded = await clusterReaches(t.fx, clusterId, 'degraded', 60_000);
    expect(degraded.statusReason).toContain(lost.name);
    await t.testbed.start(t.host(2).name);
    await clusterReaches(t.fx, clusterId, 'running', 60_000);
  });

  it('removes an agent: Kubernetes forgets it and k3s is gone from its server', async () => {
    const node = await t.fx.db.node.findFirstOrThrow({ where: { clusterId, ordinal: 3 } });
    await removeNode(t.fx, clusterId, node.id);
    await eventually('the node row deleted', async () =>
      (await t.fx.db.node.findUnique({ where: { id: node.id } })) ? undefined : true,
    );
    expect([...(await kubeNodes()).keys()]).not.toContain(node.name);
    expect((await t.testbed.exec(t.host(2).name, 'test -e /usr/local/bin/k3s')).code).not.toBe(0);
    expect(await clusterStatus()).toBe('running');
  });

  it('deletes the cluster: k3s is uninstalled everywhere and the rows are gone', async () => {
    await deleteCluster(t.fx, clusterId);
    await clusterGone(t.fx, clusterId);
    for (const h of t.testbed.hosts) {
      expect((await t.testbed.exec(h.name, 'test -e /usr/local/bin/k3s')).code).not.toBe(0);
    }
  });
});
