// A cluster on a cloud provider, through the Hetzner stand-in whose machines are real testbed
// servers: the worker makes the cluster's SSH key, creates the machines, forms the swarm,
// deletes machines that belong to no node, and on delete leaves no machine behind.
import { randomUUID } from 'node:crypto';
import { hetznerTestToken, startHetznerStandin } from '@flotilla/cloud-standins';
import { createTestbedBackend } from '@flotilla/cloud-standins/testbed';
import { createHetznerClient } from '@flotilla/providers';
import { createTestbed, type Testbed } from '@flotilla/testbed';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningWorker, startWorker } from '../src/worker.ts';
import { createFixture, deleteCluster, eventually, type Fixture } from './fixture.ts';

let fx: Fixture;
let testbed: Testbed;
let backend: ReturnType<typeof createTestbedBackend>;
let standin: Awaited<ReturnType<typeof startHetznerStandin>>;
let worker: RunningWorker;

beforeAll(async () => {
  testbed = await createTestbed({ hosts: 0 });
  backend = createTestbedBackend(testbed);
  standin = await startHetznerStandin({ backend, bootDelayMs: 200 });
  fx = await createFixture({ HETZNER_API_URL: standin.url, SWEEP_ORPHANS_INTERVAL_MS: '1000' });
  worker = await startWorker({
    config: fx.config,
    settings: { sshWaitTimeoutMs: 30_000, providerPollIntervalMs: 200 },
  });
});

afterAll(async () => {
  await worker?.close(true);
  await standin?.close();
  await testbed?.destroy();
  await fx?.close();
});

/** cluster.create on Hetzner: a manager and a worker, machines made by the worker. */
async function createHetznerCluster(name: string, providerCredentialId: string): Promise<string> {
  const cluster = await fx.api().cluster.create({
    organizationId: fx.orgId,
    name,
    provider: 'hetzner',
    region: 'fsn1',
    orchestrator: 'swarm',
    providerCredentialId,
    nodes: [
      { role: 'manager', plan: 'nano', count: 1 },
      { role: 'worker', plan: 'nano', count: 1 },
    ],
  });
  return cluster.id;
}

it('creates the machines, forms the swarm, sweeps an orphan and deletes every machine', async () => {
  const credential = await fx.api().provider.setCredentials({
    organizationId: fx.orgId,
    name: 'hz',
    provider: 'hetzner',
    credentials: { token: hetznerTestToken },
  });
  const started = Date.now();
  const clusterId = await createHetznerCluster('cloudy', credential.id);
  await eventually('cluster running', async () => {
    const c = await fx.db.cluster.findUnique({ where: { id: clusterId } });
    return c?.status === 'running' ? true : undefined;
  });
  console.log(`2-node Hetzner (stand-in) swarm running after ${Date.now() - started} ms`);

  const nodes = await fx.db.node.findMany({ where: { clusterId }, orderBy: { ordinal: 'asc' } });
  const machines = standin.servers();
  expect(machines).toHaveLength(2);
  expect(machines.map((m) => m.id).sort()).toEqual(nodes.map((n) => n.providerServerId).sort());
  expect(machines.map((m) => m.address).sort()).toEqual(nodes.map((n) => n.address).sort());
  // The machines carry the cluster's own key, which the worker made and stored sealed.
  const cluster = await fx.db.cluster.findUniqueOrThrow({
    where: { id: clusterId },
    include: { sshKey: true },
  });
  expect(cluster.sshKey?.name).toBe(`flotilla-cluster-${clusterId}`);
  expect(cluster.sshKey?.privateKeyEncrypted).not.toContain('PRIVATE KEY');
  for (const machine of machines) {
    expect(machine.publicKeys.map((k) => k.split(' ').slice(0, 2).join(' '))).toEqual([
      cluster.sshKey?.publicKey.split(' ').slice(0, 2).join(' '),
    ]);
  }
  const manager = backend.hostName(nodes[0]?.address ?? '');
  if (!manager) throw new Error('the manager is not a testbed host');
  const ls = await testbed.exec(manager, "docker node ls --format '{{.Status}}'");
  expect(ls.stdout.trim().split('\n')).toEqual(['Ready', 'Ready']);

  // A tagged machine whose node does not exist (a job that died before recording it).
  const client = createHetznerClient({ token: hetznerTestToken }, { baseUrl: standin.url });
  const keyRef = await client.ensureSshKey('orphan-test', cluster.sshKey?.publicKey ?? '');
  const orphan = await client.createServer({
    nodeId: `node_${randomUUID().slice(0, 8)}`,
    clusterId,
    region: 'fsn1',
    plan: 'nano',
    sshKeyRef: keyRef,
  });
  await eventually('the orphan deleted', async () =>
    standin.servers().some((m) => m.id === orphan.id) ? undefined : true,
  );
  expect(standin.servers()).toHaveLength(2);
  const sweepLog = await eventually('the sweep logged', () =>
    fx.db.provisioningLog
      .findFirst({ where: { clusterId, step: 'server.orphan' } })
      .then((row) => row ?? undefined),
  );
  expect(sweepLog.message).toContain(orphan.id);

  await deleteCluster(fx, clusterId);
  await eventually('cluster row deleted', async () =>
    (await fx.db.cluster.findUnique({ where: { id: clusterId } })) ? undefined : true,
  );
  expect(standin.servers()).toEqual([]);
  expect(await fx.db.sshKey.count({ where: { name: `flotilla-cluster-${clusterId}` } })).toBe(0);
});
