// Many nodes joining through one manager: the worker talks to each server over one SSH
// connection, whichever jobs need it, reads the node list once for all the nodes waiting to be
// Ready, and paces the joins. What the manager's sshd sees (its TCP connections, counted with
// `ss` inside its own network namespace) is what is asserted.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clusterReaches, createCluster, type EngineTest, startEngineTest } from './fixture.ts';

let t: EngineTest;
const workers = 5;

beforeAll(async () => {
  // No health check during the test: it dials a connection of its own on purpose (to prove a
  // fresh handshake with the pinned key), which is not what is counted here.
  t = await startEngineTest({
    hosts: workers + 1,
    env: { HEALTH_CHECK_INTERVAL_MS: '3600000' },
  });
});

afterAll(async () => {
  await t?.close();
});

/** The client ends (address:port) of the SSH connections the server has open now. */
async function sshClients(index: number): Promise<string[]> {
  const out = await t.testbed.exec(
    t.host(index).name,
    "ss -Htn state established '( sport = :22 )'",
  );
  return out.stdout
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => line.trim().split(/\s+/).at(-1) as string);
}

it('joins five nodes through one connection to the manager, one readiness reader serving them all', async () => {
  const seen = new Set<string>();
  let mostAtOnce = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const clients = await sshClients(0);
      for (const client of clients) seen.add(client);
      mostAtOnce = Math.max(mostAtOnce, clients.length);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  let readers = 0;
  const readerSampler = setInterval(() => {
    readers = Math.max(readers, t.worker.engine.readiness.readers());
  }, 20);

  const clusterId = await createCluster(t.fx, {
    name: 'fan-in',
    nodes: [
      { role: 'manager', host: t.host(0) },
      ...Array.from({ length: workers }, (_, i) => ({
        role: 'worker' as const,
        host: t.host(i + 1),
      })),
    ],
  });
  try {
    await clusterReaches(t.fx, clusterId, 'running');
  } finally {
    sampling = false;
    clearInterval(readerSampler);
    await sampler;
  }

  // Every job that talked to the manager — forming the swarm, five joins waiting for it, the
  // readiness reads and labels — used the same connection.
  expect([...seen]).toHaveLength(1);
  expect(mostAtOnce).toBe(1);
  // One connection per server in all, opened once each.
  expect(t.worker.engine.ssh.stats().opened).toBe(workers + 1);
  expect(readers).toBe(1);
  expect(t.worker.engine.readiness.readers()).toBe(0);

  const nodes = await t.fx.db.node.findMany({ where: { clusterId }, orderBy: { ordinal: 'asc' } });
  const labels = await t.testbed.exec(
    t.host(0).name,
    `docker node inspect --format '{{index .Spec.Labels "flotilla.node-id"}}' $(docker node ls -q)`,
  );
  expect(labels.stdout.trim().split('\n').sort()).toEqual(nodes.map((n) => n.id).sort());
  const joins = await t.fx.db.provisioningLog.findMany({
    where: { clusterId, step: 'swarm.join', level: 'info' },
  });
  expect(joins).toHaveLength(workers);
  for (const join of joins) {
    expect(join.message).toMatch(/joins in flight through fan-in-1/);
  }
  // No attempt needed another try.
  expect(await t.fx.db.provisioningLog.count({ where: { clusterId, level: 'warn' } })).toBe(0);
  expect(await t.fx.db.provisioningLog.count({ where: { clusterId, level: 'error' } })).toBe(0);
});
