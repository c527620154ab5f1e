// End to end through the HTTP API, as a user drives it: register, upload an SSH key, create a
// swarm of their own servers, add and remove a node, delete the cluster — with the real API
// server (createApiServer) and the worker on the same database and queue prefix.
import type { AddressInfo } from 'node:net';
import { createApiServer } from '@flotilla/api';
import { createSql, type Sql } from '@flotilla/db';
import { createLogger } from '@flotilla/log';
import { createTestbed, generateKeyPair, type Testbed } from '@flotilla/testbed';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningWorker, startWorker } from '../src/worker.ts';
import { createFixture, eventually, type Fixture } from './fixture.ts';

let fx: Fixture;
let testbed: Testbed;
let worker: RunningWorker;
let server: ReturnType<typeof createApiServer>;
let sql: Sql;
let redis: Redis;
let url: string;
let token: string;

interface Reply<T> {
  status: number;
  data: T;
}

async function api<T>(
  method: 'GET' | 'POST' | 'DELETE',
  procedure: string,
  input: Record<string, unknown>,
): Promise<Reply<T>> {
  const target = new URL(`${url}/api/${procedure}`);
  if (method === 'GET') {
    for (const [key, value] of Object.entries(input)) target.searchParams.set(key, String(value));
  }
  const res = await fetch(target, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(method !== 'GET' ? { 'content-type': 'application/json' } : {}),
    },
    ...(method !== 'GET' ? { body: JSON.stringify(input) } : {}),
  });
  const text = await res.text();
  const body = text ? JSON.parse(text) : undefined;
  return { status: res.status, data: body?.result?.data ?? body };
}

interface ClusterOut {
  id: string;
  status: string;
  statusReason: string | null;
  nodes: { id: string; name: string; status: string; ip: string | null }[];
}

async function swarmState(host: string): Promise<string> {
  const out = await testbed.exec(host, "docker info --format '{{.Swarm.LocalNodeState}}'");
  return out.stdout.trim();
}

beforeAll(async () => {
  fx = await createFixture();
  sql = createSql(fx.config.DATABASE_URL);
  redis = new Redis(fx.config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  server = createApiServer({
    config: fx.config,
    log: createLogger({ name: 'api-test', level: 'silent' }),
    db: fx.db,
    sql,
    redis,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  worker = await startWorker({ config: fx.config, settings: { sshWaitTimeoutMs: 10_000 } });
});

afterAll(async () => {
  await worker?.close(true);
  server?.close();
  server?.closeAllConnections();
  await sql?.end();
  redis?.disconnect();
  await testbed?.destroy();
  await fx?.close();
});

it('provisions, grows, shrinks and deletes a swarm driven only through the HTTP API', async () => {
  const registered = await api<{ token: string; organization: { id: string } }>(
    'POST',
    'auth.register',
    { email: 'ops@example.com', password: 'correct horse battery staple', name: 'Ops' },
  );
  expect(registered.status).toBe(201);
  token = registered.data.token;
  const organizationId = registered.data.organization.id;

  const keys = await generateKeyPair();
  testbed = await createTestbed({ hosts: 3, authorizedKeys: [keys.publicKey] });
  const [a, b, c] = testbed.hosts;
  if (!a || !b || !c) throw new Error('testbed has too few hosts');
  const key = await api<{ id: string }>('POST', 'sshKey.create', {
    organizationId,
    name: 'deploy',
    privateKey: keys.privateKey,
  });
  expect(key.status).toBe(201);

  const created = await api<ClusterOut>('POST', 'cluster.create', {
    organizationId,
    name: 'web',
    orchestrator: 'swarm',
    provider: 'ssh',
    sshKeyId: key.data.id,
    nodes: [
      { role: 'manager', host: a.host },
      { role: 'worker', host: b.host },
    ],
  });
  expect(created.status).toBe(201);
  expect(created.data.status).toBe('provisioning');
  const clusterId = created.data.id;

  const running = await eventually('cluster running', async () => {
    const got = await api<ClusterOut>('GET', 'cluster.one', { clusterId });
    return got.data.status === 'running' ? got.data : undefined;
  });
  expect(running.nodes.map((n) => n.status)).toEqual(['running', 'running']);
  const logs = await api<{ items: { step: string }[] }>('GET', 'cluster.logs', {
    clusterId,
    limit: 500,
  });
  expect(logs.data.items.map((l) => l.step)).toEqual(
    expect.arrayContaining([
      'ssh.hostkey',
      'docker.ensure',
      'swarm.init',
      'swarm.join',
      'node.ready',
    ]),
  );

  const added = await api<{ id: string }>('POST', 'cluster.addNode', {
    clusterId,
    role: 'worker',
    host: c.host,
  });
  expect(added.status).toBe(201);
  await eventually('the added node running', async () => {
    const got = await api<ClusterOut>('GET', 'cluster.one', { clusterId });
    const node = got.data.nodes.find((n) => n.id === added.data.id);
    return node?.status === 'running' && got.data.status === 'running' ? true : undefined;
  });
  const ls = await testbed.exec(a.name, "docker node ls --format '{{.Status}}'");
  expect(ls.stdout.trim().split('\n')).toEqual(['Ready', 'Ready', 'Ready']);

  const removed = await api<{ status: string }>('DELETE', 'cluster.removeNode', {
    clusterId,
    nodeId: added.data.id,
  });
  expect(removed.status).toBe(200);
  expect(removed.data.status).toBe('deleting');
  await eventually('the node gone', async () => {
    const got = await api<ClusterOut>('GET', 'cluster.one', { clusterId });
    return got.data.nodes.length === 2 ? true : undefined;
  });
  expect(await swarmState(c.name)).toBe('inactive');

  const deleted = await api('DELETE', 'cluster.remove', { clusterId });
  expect(deleted.status).toBe(204);
  await eventually('the cluster gone', async () => {
    const got = await api('GET', 'cluster.one', { clusterId });
    return got.status === 404 ? true : undefined;
  });
  for (const h of testbed.hosts) expect(await swarmState(h.name)).toBe('inactive');
});
