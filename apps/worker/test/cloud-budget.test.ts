// A 20-server cluster on a Hetzner project with a small request budget: the worker spends from
// the account's budget (kept in Redis, shared by every worker) before each request, so the
// stand-in — which refuses and counts every request beyond the budget, as Hetzner does — refuses
// none, and the cluster still reaches `running`.
import { hetznerTestToken, startHetznerStandin } from '@flotilla/cloud-standins';
import { createTestbedBackend } from '@flotilla/cloud-standins/testbed';
import { createTestbed, type Testbed } from '@flotilla/testbed';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningWorker, startWorker } from '../src/worker.ts';
import { clusterReaches, createFixture, type Fixture } from './fixture.ts';

let fx: Fixture;
let testbed: Testbed;
let standin: Awaited<ReturnType<typeof startHetznerStandin>>;
let worker: RunningWorker;

// 10 requests, refilled at 10 per second: twenty machines being created, polled and reached at
// once ask for far more than that.
const budget = { limit: 10, windowSeconds: 1 };
const servers = 20;

beforeAll(async () => {
  testbed = await createTestbed({ hosts: 0 });
  standin = await startHetznerStandin({
    backend: createTestbedBackend(testbed),
    bootDelayMs: 200,
    rateLimit: budget,
  });
  fx = await createFixture({
    HETZNER_API_URL: standin.url,
    HETZNER_RATE_LIMIT: `${budget.limit}/${budget.windowSeconds}s`,
    // Twenty node jobs at once, as a deployment sized for such clusters runs them.
    WORKER_NODE_CONCURRENCY: String(servers),
  });
  worker = await startWorker({
    config: fx.config,
    settings: { sshWaitTimeoutMs: 60_000, providerPollIntervalMs: 200 },
  });
}, 300_000);

afterAll(async () => {
  await worker?.close(true);
  await standin?.close();
  await testbed?.destroy();
  await fx?.close();
}, 300_000);

it(`creates ${servers} servers within the project's budget and reaches running`, async () => {
  await fx.api().provider.setCredentials({
    organizationId: fx.orgId,
    provider: 'hetzner',
    credentials: { token: hetznerTestToken },
  });
  const started = Date.now();
  const cluster = await fx.api().cluster.create({
    organizationId: fx.orgId,
    name: 'budgeted',
    provider: 'hetzner',
    region: 'fsn1',
    orchestrator: 'swarm',
    nodes: [
      { role: 'manager', plan: 'nano', count: 1 },
      { role: 'worker', plan: 'nano', count: servers - 1 },
    ],
  });
  await clusterReaches(fx, cluster.id, 'running', 300_000);
  const seconds = (Date.now() - started) / 1000;

  const requests = standin.requests();
  const refused = requests.filter((r) => r.status === 429);
  expect(refused).toEqual([]);
  expect(standin.servers()).toHaveLength(servers);
  const nodes = await fx.db.node.findMany({ where: { clusterId: cluster.id } });
  expect(nodes.filter((n) => n.status === 'running')).toHaveLength(servers);
  // Paced, not lucky: at no moment did the requests of any second exceed what the budget allows
  // (the bucket holds 10 and refills 10 per second, so no window of one second saw more than 20).
  const times = requests.map((r) => r.at).sort((a, b) => a - b);
  let busiest = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] as number) - (times[j] as number) >= 1_000) j++;
    busiest = Math.max(busiest, i - j + 1);
  }
  expect(busiest).toBeLessThanOrEqual(2 * budget.limit);
  // No node needed another attempt because of the provider.
  expect(
    await fx.db.provisioningLog.count({ where: { clusterId: cluster.id, step: 'node.retry' } }),
  ).toBe(0);
  console.log(
    `${servers} Hetzner (stand-in) servers on a ${budget.limit}/${budget.windowSeconds}s budget: ` +
      `${requests.length} requests, 0 refused, busiest second ${busiest}, running after ${seconds} s`,
  );
}, 360_000);
