// `cluster.create` exactly as the contract shows it — no credential id — on the Hetzner stand-in
// whose machines are real testbed servers: refused at once while the organization has no Hetzner
// credentials, and with the one it stored, provisioned to `running`.
import { hetznerTestToken, startHetznerStandin } from '@flotilla/cloud-standins';
import { createTestbedBackend } from '@flotilla/cloud-standins/testbed';
import { createTestbed, k3sStandinPath, type Testbed } from '@flotilla/testbed';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningWorker, startWorker } from '../src/worker.ts';
import { clusterReaches, createFixture, type Fixture } from './fixture.ts';

let fx: Fixture;
let testbed: Testbed;
let backend: ReturnType<typeof createTestbedBackend>;
let standin: Awaited<ReturnType<typeof startHetznerStandin>>;
let worker: RunningWorker;

beforeAll(async () => {
  testbed = await createTestbed({ hosts: 0 });
  backend = createTestbedBackend(testbed);
  standin = await startHetznerStandin({ backend, bootDelayMs: 200 });
  fx = await createFixture({ HETZNER_API_URL: standin.url, K3S_ARTIFACT: k3sStandinPath });
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

/** The contract's request body (clusters-api.txt), on Hetzner. */
const contractBody = () => ({
  organizationId: fx.orgId,
  name: 'production',
  provider: 'hetzner' as const,
  region: 'nbg1',
  orchestrator: 'kubernetes' as const,
  nodes: [
    { role: 'manager' as const, plan: 'medium' as const, count: 1 },
    { role: 'worker' as const, plan: 'small' as const, count: 2 },
  ],
});

it('refuses the create at once while the organization has no Hetzner credentials', async () => {
  const started = Date.now();
  await expect(fx.api().cluster.create(contractBody())).rejects.toMatchObject({
    code: 'BAD_REQUEST',
    message: expect.stringMatching(/no hetzner credentials.*provider\.setCredentials/),
  });
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(await fx.db.cluster.count()).toBe(0);
  expect(standin.requests()).toEqual([]);
});

it('provisions the contract’s cluster to running with the one credential the organization stored', async () => {
  const credential = await fx.api().provider.setCredentials({
    organizationId: fx.orgId,
    provider: 'hetzner',
    credentials: { token: hetznerTestToken },
  });
  const created = await fx.api().cluster.create(contractBody());
  expect(created.status).toBe('provisioning');
  const row = await fx.db.cluster.findUniqueOrThrow({ where: { id: created.id } });
  expect(row.providerCredentialId).toBe(credential.id);

  await clusterReaches(fx, created.id, 'running', 180_000);
  const nodes = await fx.db.node.findMany({ where: { clusterId: created.id } });
  expect(nodes.map((n) => n.status)).toEqual(['running', 'running', 'running']);
  expect(
    standin
      .servers()
      .map((m) => m.id)
      .sort(),
  ).toEqual(nodes.map((n) => n.providerServerId).sort());
  const first = nodes.find((n) => n.ordinal === 1);
  const host = backend.hostName(first?.address ?? '');
  if (!host) throw new Error('the first manager is not a testbed server');
  const kube = await testbed.exec(host, 'k3s kubectl get nodes -o json');
  const items = (
    JSON.parse(kube.stdout) as {
      items: { status: { conditions: { type: string; status: string }[] } }[];
    }
  ).items;
  expect(
    items.map((n) => n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True')),
  ).toEqual([true, true, true]);
});
