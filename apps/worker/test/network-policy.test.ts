// The worker checks a node's address against the network policy again before it connects: a row
// written before the policy refused its address (or by a version without the policy) goes to
// `error` naming the rule, and no connection is attempted. The worker runs as a child in a network
// namespace of its own (isolated-worker.ts): every SYN it sends is counted there and reaches
// nothing, so a regression fails this test instead of contacting those addresses.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createFixture, eventually, type Fixture } from './fixture.ts';

// Each refused kind of address, as it would be stored on an older row, and the rule it must name.
const refused = [
  { name: 'private', address: '10.0.0.5', rule: /10\.0\.0\.5 is a private address/ },
  { name: 'loopback', address: '127.0.0.1', rule: /127\.0\.0\.1 is loopback/ },
  { name: 'loopback6', address: '::1', rule: /::1 is loopback/ },
  { name: 'localhost', address: 'localhost', rule: /localhost resolves to .*loopback/ },
  {
    name: 'metadata',
    address: '::ffff:169.254.169.254',
    rule: /IPv4-mapped IPv6 address for 169\.254\.169\.254.*cloud metadata/,
  },
];
// Allowed, and reached for (its SYN counted, nowhere to go): proof that the counting works.
const control = '203.0.113.9';

let fx: Fixture;
let dir: string;
const forwarders: Server[] = [];
let child: ChildProcess | undefined;
let output = '';

/** A unix socket outside the namespace that leads to `port` on this machine's loopback. */
async function forwarder(port: number, path: string): Promise<void> {
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  forwarders.push(server);
}

const clusterIds = new Map<string, string>();

beforeAll(async () => {
  fx = await createFixture();
  dir = mkdtempSync(join(tmpdir(), 'flotilla-isolated-'));
  await forwarder(5432, join(dir, 'postgres.sock'));
  await forwarder(6379, join(dir, 'redis.sock'));

  // Clusters as the API wrote them under a policy that allowed the addresses (a public one);
  // then the rows are given the addresses an older version, or a looser policy, let through.
  for (const { name, address } of [...refused, { name: 'control', address: control }]) {
    const cluster = await fx.api().cluster.create({
      organizationId: fx.orgId,
      name,
      provider: 'ssh',
      orchestrator: 'swarm',
      sshKeyId: fx.sshKeyId,
      nodes: [{ role: 'manager', host: '203.0.113.10' }],
    });
    await fx.db.node.updateMany({ where: { clusterId: cluster.id }, data: { address } });
    clusterIds.set(name, cluster.id);
  }

  child = spawn(
    'unshare',
    ['-n', process.execPath, '--import', 'tsx', join(import.meta.dirname, 'isolated-worker.ts')],
    {
      cwd: join(import.meta.dirname, '..'),
      env: {
        ...process.env,
        ...fx.env,
        // This instance refuses private ranges too; the rest is refused whatever the settings.
        FLOTILLA_NETWORK_REFUSE_PRIVATE: 'true',
        // One short attempt at the control address, which nothing answers.
        JOB_ATTEMPTS: '1',
        SSH_WAIT_TIMEOUT_MS: '2000',
        FORWARD: `5432=${join(dir, 'postgres.sock')},6379=${join(dir, 'redis.sock')}`,
        CONTROL_ADDRESS: control,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  await eventually(
    'the isolated worker running',
    async () => {
      if (child?.exitCode !== null) throw new Error(`worker exited:\n${output}`);
      return output.includes('READY') ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  for (const server of forwarders) server.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  await fx?.close();
});

it('fails each refused address with its rule and opens no connection to any of them', async () => {
  const nodeOf = (name: string) =>
    fx.db.node.findFirstOrThrow({ where: { clusterId: clusterIds.get(name) } });
  for (const { name } of [...refused, { name: 'control' }]) {
    await eventually(`the ${name} node given up`, async () => {
      const node = await nodeOf(name);
      return node.status === 'error' ? node : undefined;
    });
  }
  for (const { name, address, rule } of refused) {
    const node = await nodeOf(name);
    expect(node.failureKind, `${name}: ${node.statusReason}`).toBe('invalid');
    expect(node.statusReason).toMatch(rule);
    expect(node.statusReason).toMatch(/refused by the network policy/);
    expect(node.address).toBe(address);
    const cluster = await fx.db.cluster.findUniqueOrThrow({ where: { id: clusterIds.get(name) } });
    expect(cluster.status).toBe('error');
  }
  // The control node was tried, and failed as an unreachable server does.
  expect((await nodeOf('control')).failureKind).toBe('unreachable');

  const exited = new Promise<void>((resolve) => child?.once('exit', () => resolve()));
  child?.kill('SIGTERM');
  await exited;
  const report = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as {
    syn: { control: number; other: number; otherV6: number };
    trapped: string[];
  };
  expect(report.syn.control).toBeGreaterThan(0);
  expect(report.syn.other).toBe(0);
  expect(report.syn.otherV6).toBe(0);
  expect(report.trapped).toEqual([]);
});
