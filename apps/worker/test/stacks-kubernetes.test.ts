// Stacks on Kubernetes, and adopting a k3s cluster: two testbed servers run the k3s stand-in
// (a server and an agent, formed by hand with @flotilla/bootstrap), cluster.import adopts them
// through the server, and a stack's services become typed objects applied with server-side
// apply in the stack's own namespace; a service dropped from the definition is pruned by the
// owner label, and removing the stack deletes exactly its objects. What the API server holds is
// read with `k3s kubectl` on the server, never from Flotilla's rows.
import { randomBytes } from 'node:crypto';
import { installK3s, k3sJoin, k3sServerInit } from '@flotilla/bootstrap';
import { connect, type SshSession } from '@flotilla/ssh';
import { k3sStandinPath } from '@flotilla/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineTest, eventually, startEngineTest } from './fixture.ts';

let t: EngineTest;
let sessions: SshSession[] = [];

/** Deployments in the stack's namespace, as the API server holds them: "name replicas". */
async function deployments(namespace: string): Promise<string[]> {
  const out = await t.testbed.exec(
    t.host(0).name,
    `k3s kubectl get deployments -n ${namespace} -o json`,
  );
  if (out.code !== 0) throw new Error(`kubectl get deployments: ${out.stderr}`);
  const items = (
    JSON.parse(out.stdout) as {
      items: { metadata: { name: string }; spec: { replicas: number } }[];
    }
  ).items;
  return items.map((d) => `${d.metadata.name} ${d.spec.replicas}`).sort();
}

function runSettles(stackId: string, runId: string) {
  return eventually(
    `run ${runId} settled`,
    async () => {
      const run = await t.fx.api().stack.run({ stackId, runId });
      return run.status === 'queued' || run.status === 'deploying' ? undefined : run;
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
}

beforeAll(async () => {
  t = await startEngineTest({ hosts: 2 });
  sessions = await Promise.all(
    t.testbed.hosts.map((h) =>
      connect({
        host: h.host,
        port: h.port,
        username: h.user,
        privateKey: t.fx.keys.privateKey,
        timeoutMs: 10_000,
      }),
    ),
  );
  const source = { kind: 'artifact' as const, path: k3sStandinPath };
  await Promise.all(sessions.map((s) => installK3s(s, { source })));
  const token = randomBytes(16).toString('hex');
  const [server, agent] = [t.host(0), t.host(1)];
  await k3sServerInit(sessions[0]!, { token, nodeName: server.name, advertiseAddr: server.host });
  await k3sJoin(sessions[1]!, {
    role: 'agent',
    serverAddr: server.host,
    token,
    nodeName: agent.name,
    advertiseAddr: agent.host,
  });
}, 240_000);

afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  await t?.close();
});

describe('a stack on an adopted k3s cluster', () => {
  let clusterId: string;
  let stackId: string;

  it('adopts the k3s cluster through its server, with both nodes and the kubeconfig', async () => {
    const refused = await t.fx
      .api()
      .cluster.import({
        organizationId: t.fx.orgId,
        name: 'kube',
        orchestrator: 'kubernetes',
        host: t.host(1).host,
        sshKeyId: t.fx.sshKeyId,
      })
      .catch((e: unknown) => e);
    // The agent has no API server to ask.
    expect(refused).toMatchObject({ code: 'BAD_REQUEST', issues: [{ path: 'host' }] });
    const cluster = await t.fx.api().cluster.import({
      organizationId: t.fx.orgId,
      name: 'kube',
      orchestrator: 'kubernetes',
      host: t.host(0).host,
      sshKeyId: t.fx.sshKeyId,
    });
    clusterId = cluster.id;
    expect(cluster).toMatchObject({ adopted: true, orchestrator: 'kubernetes', status: 'running' });
    expect(cluster.orchestratorVersion).toMatch(/^v1\./);
    expect(cluster.nodes.map((n) => `${n.name} ${n.role}`).sort()).toEqual(
      [`${t.host(0).name} manager`, `${t.host(1).name} worker`].sort(),
    );
    const row = await t.fx.db.cluster.findUniqueOrThrow({ where: { id: clusterId } });
    expect(row.kubeconfigEncrypted).toBeTruthy();
  });

  it('deploys web + cache as objects of the stack, rolled out', async () => {
    const stack = await t.fx.api().stack.import({
      clusterId,
      name: 'Shop',
      compose:
        'services:\n  web:\n    image: registry.example.com/team/web:1\n    ports: ["8080:80"]\n    deploy:\n      replicas: 2\n  cache:\n    image: registry.example.com/team/cache:7\n',
      deploy: true,
    });
    stackId = stack.id;
    const run = await runSettles(stackId, stack.lastRun!.id);
    expect(run.status, run.reason ?? '').toBe('succeeded');
    expect(
      run.services.map((s) => `${s.name} ${s.outcome} ${s.running}/${s.desired}`).sort(),
    ).toEqual(['cache succeeded 1/1', 'web succeeded 2/2']);
    expect(await deployments('stack-shop')).toEqual(['cache 1', 'web 2']);
  });

  it('prunes the service the next version drops, by the owner label', async () => {
    await t.fx.api().stack.save({
      stackId,
      compose:
        'services:\n  web:\n    image: registry.example.com/team/web:2\n    ports: ["8080:80"]\n  worker:\n    image: registry.example.com/team/worker:1\n',
    });
    const deployed = await t.fx.api().stack.deploy({ stackId });
    const run = await runSettles(stackId, deployed.id);
    expect(run.status, run.reason ?? '').toBe('succeeded');
    expect(await deployments('stack-shop')).toEqual(['web 1', 'worker 1']);
    const log = await t.fx.api().stack.run({ stackId, runId: deployed.id });
    expect(log.log.map((l) => l.message).join('\n')).toMatch(/Deployment\/cache: pruned/);
  });

  it('removes exactly the stack’s objects', async () => {
    await t.fx.api().stack.remove({ stackId });
    await eventually(
      'the stack row is gone',
      async () => (await t.fx.db.stack.count({ where: { id: stackId } })) === 0 || undefined,
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(await deployments('stack-shop')).toEqual([]);
  });
});
