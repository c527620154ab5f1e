// The control plane as production runs it: the API and the worker compiled by the bundler behind
// `pnpm build` and started as `node <nodeFlags> main.js`, no tsx. The API answers /health and
// procedures, whose queries go through Prisma's WebAssembly query compiler loaded from the
// bundle; the worker takes a provisioning job and records its steps and the outcome.
import { createServer } from 'node:net';
import { nodeFlags } from '@flotilla/build';
import { createTestDatabase, type TestDatabase } from '@flotilla/db/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { compiledCommand } from '../src/compiled.ts';
import { type ControlPlane, call, eventually, startControlPlane } from '../src/control-plane.ts';
import { repoRoot } from '../src/processes.ts';

let database: TestDatabase;
let plane: ControlPlane;

beforeAll(async () => {
  database = await createTestDatabase();
  // One attempt of one second: a server that does not answer fails the node at once.
  plane = await startControlPlane({
    databaseUrl: database.url,
    env: {
      JOB_ATTEMPTS: '1',
      SSH_WAIT_TIMEOUT_MS: '1000',
      // The node below is a closed loopback port, opened to the network policy for this test.
      FLOTILLA_NETWORK_ALLOW: '127.0.0.1/32',
    },
  });
}, 120_000);
afterAll(async () => {
  await plane?.stop();
  await database?.drop();
});

it('starts both apps from their bundles with the V8 flags on the command line', async () => {
  for (const app of ['api', 'worker'] as const) {
    const [node, ...args] = await compiledCommand(app);
    expect(node).toBe(process.execPath);
    expect(args.slice(0, nodeFlags.length)).toEqual(nodeFlags);
    expect(args.at(-1)).toMatch(
      new RegExp(`^${repoRoot}/apps/${app}/node_modules/.cache/.+/main\\.js$`),
    );
  }
  const [api] = plane.apis;
  expect(api?.child.spawnargs).toEqual(expect.arrayContaining(await compiledCommand('api')));
  expect(api?.child.spawnargs.join(' ')).not.toContain('tsx');
});

it('answers /health and procedures, and the worker runs a job and records it', async () => {
  const health = await fetch(`${plane.url}/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toMatchObject({ status: 'healthy' });

  const { token, organization } = await call<{ token: string; organization: { id: string } }>(
    plane.url,
    'auth.register',
    { input: { email: 'ada@example.com', password: 'correct horse battery', name: 'Ada' } },
  );
  const key = await call<{ id: string }>(plane.url, 'sshKey.generate', {
    token,
    input: { organizationId: organization.id, name: 'deploy' },
  });
  // A server address where nothing listens: the worker's ssh.wait gives up after one attempt.
  const port = await closedPort();
  const cluster = await call<{ id: string; status: string }>(plane.url, 'cluster.create', {
    token,
    input: {
      organizationId: organization.id,
      name: 'compiled',
      provider: 'ssh',
      orchestrator: 'swarm',
      sshKeyId: key.id,
      nodes: [{ role: 'manager', host: '127.0.0.1', port }],
    },
  });
  expect(cluster.status).toBe('provisioning');

  const failed = await eventually('the cluster given up by the worker', async () => {
    const one = await call<{ status: string; nodes: { status: string; statusReason: string }[] }>(
      plane.url,
      'cluster.one',
      { token, input: { clusterId: cluster.id }, method: 'GET' },
    );
    return one.status === 'error' ? one : undefined;
  });
  expect(failed.nodes[0]?.status).toBe('error');
  const logs = await call<{ items: { step: string }[] }>(plane.url, 'cluster.logs', {
    token,
    input: { clusterId: cluster.id, limit: 100 },
    method: 'GET',
  });
  expect(logs.items.map((line) => line.step)).toContain('ssh.wait');
}, 120_000);

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
