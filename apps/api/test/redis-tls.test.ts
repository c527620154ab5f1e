// The control plane on a Redis that takes only TLS and a password (rediss://, a private CA), as
// managed Redis services run: the API and the worker start, /health reports Redis, a job the API
// writes travels through BullMQ over TLS to the worker, and a revocation reaches the other API
// process over the same connection settings.

import { createServer } from 'node:net';
import { createTestDatabase, type TestDatabase } from '@flotilla/db/testing';
import { type ControlPlane, call, eventually, startControlPlane } from '@flotilla/harness';
import { startTestRedis, type TestRedis } from '@flotilla/redis/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

let database: TestDatabase;
let redis: TestRedis;
let plane: ControlPlane;

beforeAll(async () => {
  [database, redis] = await Promise.all([createTestDatabase(), startTestRedis({ tls: true })]);
  plane = await startControlPlane({
    databaseUrl: database.url,
    redisUrl: redis.url,
    apis: 2,
    workers: 1,
    env: {
      REDIS_TLS_CA_FILE: redis.caFile as string,
      // The node below is a closed port on this machine's loopback, opened for this test alone.
      FLOTILLA_NETWORK_ALLOW: '127.0.0.1/32',
      JOB_ATTEMPTS: '1',
      SSH_WAIT_TIMEOUT_MS: '2000',
    },
  });
}, 180_000);

afterAll(async () => {
  await plane?.stop();
  await redis?.stop();
  await database?.drop();
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

it('runs API and worker over rediss:// with a password: health, a job, a revocation', async () => {
  for (const url of plane.urls) {
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'healthy' });
  }

  const [a, b] = plane.urls as [string, string];
  const { token, organization } = await call<{ token: string; organization: { id: string } }>(
    a,
    'auth.register',
    { input: { email: 'tls@example.com', password: 'correct horse battery', name: 'TLS' } },
  );
  const key = await call<{ id: string }>(a, 'sshKey.generate', {
    token,
    input: { organizationId: organization.id, name: 'deploy' },
  });
  const cluster = await call<{ id: string }>(a, 'cluster.create', {
    token,
    input: {
      organizationId: organization.id,
      name: 'over-tls',
      provider: 'ssh',
      orchestrator: 'swarm',
      sshKeyId: key.id,
      nodes: [{ role: 'manager', host: '127.0.0.1', port: await closedPort() }],
    },
  });
  // The worker took the job from BullMQ (over TLS) and ran it: it tried the server and gave up.
  const failed = await eventually('the worker to run the provisioning job', async () => {
    const one = await call<{ status: string }>(a, 'cluster.one', {
      token,
      input: { clusterId: cluster.id },
      method: 'GET',
    });
    return one.status === 'error' ? one : undefined;
  });
  expect(failed.status).toBe('error');
  const logs = await call<{ items: { step: string }[] }>(a, 'cluster.logs', {
    token,
    input: { clusterId: cluster.id, limit: 100 },
    method: 'GET',
  });
  expect(logs.items.map((line) => line.step)).toContain('ssh.wait');

  // Pub/sub over the same TLS settings: a token revoked through A is refused by B at once.
  const created = await call<{ id: string; token: string }>(a, 'token.create', {
    token,
    input: { name: 'script' },
  });
  await call(b, 'auth.me', { token: created.token, method: 'GET' });
  await call(a, 'token.revoke', { token, input: { tokenId: created.id }, method: 'DELETE' });
  const refused = await fetch(`${b}/api/auth.me`, {
    headers: { authorization: `Bearer ${created.token}` },
  });
  expect(refused.status).toBe(401);
}, 180_000);
