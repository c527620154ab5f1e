// The worker process killed with SIGKILL in the middle of bootstrapping, then started again:
// the cluster converges to exactly the requested nodes — no duplicate rows, no extra swarm
// members — because every job is resumed from what the servers report.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createTestbed, type Testbed } from '@flotilla/testbed';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createCluster,
  createFixture,
  eventually,
  exited,
  type Fixture,
  whileAlive,
} from './fixture.ts';

let fx: Fixture;
let testbed: Testbed;
const children: ChildProcess[] = [];

function startWorkerProcess(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: join(import.meta.dirname, '..'),
    env: { ...process.env, ...fx.env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

beforeAll(async () => {
  fx = await createFixture();
  testbed = await createTestbed({ hosts: 4, authorizedKeys: [fx.keys.publicKey] });
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(children.map(exited));
  await testbed?.destroy();
  await fx?.close();
});

it('converges to exactly the requested nodes after the worker is SIGKILLed mid-bootstrap', async () => {
  const [a, b, c, d] = testbed.hosts;
  if (!a || !b || !c || !d) throw new Error('testbed has too few hosts');
  const clusterId = await createCluster(fx, {
    name: 'killed',
    nodes: [
      { role: 'manager', host: a },
      { role: 'worker', host: b },
      { role: 'worker', host: c },
      { role: 'worker', host: d },
    ],
  });
  const first = startWorkerProcess();
  // Mid-bootstrap: the swarm exists and a worker node has joined it, but is not yet recorded
  // as running (the step most likely to leave a duplicate behind if it were simply redone).
  await whileAlive(
    first,
    eventually(
      'a worker node mid-bootstrap',
      async () => {
        const nodes = await fx.db.node.findMany({ where: { clusterId } });
        const midway = nodes.some((n) => n.lastStep === 'swarm.join' && n.status !== 'running');
        const allRunning = nodes.every((n) => n.status === 'running');
        if (allRunning) throw new Error('every node was running before the kill');
        if (midway) return true;
        // Said on a timeout: where the nodes stood.
        throw new Error(nodes.map((n) => `${n.name}=${n.status}/${n.lastStep ?? '-'}`).join(', '));
      },
      { intervalMs: 50 },
    ),
  );
  first.kill('SIGKILL');
  await exited(first);
  const before = await fx.db.node.findMany({ where: { clusterId } });
  console.log(
    `killed with node states: ${before.map((n) => `${n.name}=${n.status}/${n.lastStep ?? '-'}`).join(', ')}`,
  );

  const started = Date.now();
  const second = startWorkerProcess();
  await whileAlive(
    second,
    eventually('cluster running', async () => {
      const cluster = await fx.db.cluster.findUnique({ where: { id: clusterId } });
      return cluster?.status === 'running' ? true : undefined;
    }),
  );
  console.log(`running ${Date.now() - started} ms after the second worker started`);

  const nodes = await fx.db.node.findMany({ where: { clusterId } });
  expect(nodes).toHaveLength(4);
  expect(nodes.every((n) => n.status === 'running')).toBe(true);
  expect(new Set(nodes.map((n) => n.orchestratorNodeId)).size).toBe(4);
  const ls = await testbed.exec(a.name, "docker node ls --format '{{.ID}} {{.Status}}'");
  const members = ls.stdout.trim().split('\n');
  expect(members).toHaveLength(4);
  expect(members.every((line) => line.endsWith(' Ready'))).toBe(true);
  expect(members.map((line) => line.split(' ')[0]).sort()).toEqual(
    nodes.map((n) => n.orchestratorNodeId).sort(),
  );

  // SIGTERM: the worker finishes what it runs (nothing now) and exits cleanly.
  const stopping = Date.now();
  second.kill('SIGTERM');
  await exited(second);
  expect(second.exitCode).toBe(0);
  expect(Date.now() - stopping).toBeLessThan(15_000);
});
