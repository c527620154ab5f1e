import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { createDb, type Db, newId } from '@flotilla/db';
import { createTestDatabase, type TestDatabase } from '@flotilla/db/testing';
import { createQueues, type Queues, writeOutboxJob } from '@flotilla/queue';
import { connect } from '@flotilla/ssh';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createApiMetrics,
  createStateSource,
  createWorkerMetrics,
  type MetricsServer,
  startMetricsServer,
} from '../src/index.ts';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `flt-test-${randomUUID().slice(0, 8)}`;
const token = 'a-scraper-token-of-some-length';
let database: TestDatabase;
let db: Db;
let queues: Queues;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url });
  queues = createQueues({ redis: { REDIS_URL: redisUrl }, prefix });
});

afterAll(async () => {
  await queues?.get('nodes').obliterate({ force: true });
  await queues?.close();
  await db?.$disconnect();
  await database?.drop();
});

/** `promtool check metrics` on the exposition: the exit code and what it said. */
function promtool(exposition: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], {
    input: exposition,
    encoding: 'utf8',
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** The value of one sample line (`name{labels} value`), or undefined when absent. */
function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function scrape(server: MetricsServer, headers: Record<string, string> = {}) {
  const res = await fetch(server.url, { headers });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

async function seedClusters(): Promise<void> {
  const org = newId('org');
  await db.$executeRaw`insert into "Organization" (id, name, slug, "updatedAt")
    values (${org}, 'Metrics', ${org}, now())`;
  for (const [status, nodes] of [
    ['running', ['running', 'running', 'down']],
    ['provisioning', ['provisioning']],
  ] as const) {
    const cluster = newId('cls');
    await db.$executeRawUnsafe(
      `insert into "Cluster" (id, "organizationId", name, provider, region, orchestrator, status, "updatedAt")
       values ($1, $2, $3, 'ssh', 'own', 'swarm', '${status}', now())`,
      cluster,
      org,
      `c-${status}`,
    );
    for (const [ordinal, nodeStatus] of nodes.entries()) {
      await db.$executeRawUnsafe(
        `insert into "Node" (id, "clusterId", name, role, status, ordinal, "updatedAt")
         values ($1, $2, $3, 'manager', '${nodeStatus}', $4, now())`,
        newId('node'),
        cluster,
        `n-${ordinal}`,
        ordinal,
      );
    }
  }
  // One job written by a request and not yet moved to Redis.
  await db.$transaction((tx) =>
    writeOutboxJob(tx, 'provisionCluster', { clusterId: 'cls_waiting' }),
  );
}

describe('API metrics', () => {
  it('time requests per procedure and status, count SSH failures, pass promtool', async () => {
    await seedClusters();
    await queues.get('nodes').add('provisionNode', { clusterId: 'c', nodeId: 'a' });
    await queues
      .get('nodes')
      .add('provisionNode', { clusterId: 'c', nodeId: 'b' }, { delay: 60_000 });
    const metrics = createApiMetrics({
      version: '1.2.3',
      state: createStateSource({ db, queues }),
    });
    const server = await startMetricsServer({
      registry: metrics.registry,
      host: '127.0.0.1',
      port: 0,
      token,
    });
    try {
      const all = metrics.requests.route('api', 'cluster.all');
      all.observe(200, 0.004);
      all.observe(200, 0.03);
      all.observe(401, 0.001);
      metrics.requests.route('trpc', 'cluster.one').observe(404, 0.002);
      // Nothing listens on port 1 of loopback: refused, one handshake error.
      await connect({
        host: '127.0.0.1',
        port: 1,
        username: 'root',
        privateKey: generateKeyPairSync('rsa', {
          modulusLength: 2048,
          privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
          publicKeyEncoding: { type: 'spki', format: 'pem' },
        }).privateKey,
        timeoutMs: 2_000,
      }).catch(() => {});

      expect((await scrape(server)).status).toBe(401);
      expect(
        (await scrape(server, { authorization: 'Bearer wrong-token-of-some-length' })).status,
      ).toBe(401);
      const { status, type, body } = await scrape(server, { authorization: `Bearer ${token}` });
      expect(status).toBe(200);
      expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(promtool(body)).toMatchObject({ status: 0 });

      const seconds = 'flotilla_http_request_duration_seconds';
      const ok = 'transport="api",procedure="cluster.all",status="200"';
      expect(sample(body, `${seconds}_count{${ok}}`)).toBe(2);
      expect(sample(body, `${seconds}_bucket{le="0.005",${ok}}`)).toBe(1);
      expect(sample(body, `${seconds}_bucket{le="+Inf",${ok}}`)).toBe(2);
      expect(
        sample(body, `${seconds}_count{transport="api",procedure="cluster.all",status="401"}`),
      ).toBe(1);
      expect(
        sample(body, `${seconds}_count{transport="trpc",procedure="cluster.one",status="404"}`),
      ).toBe(1);

      expect(sample(body, 'flotilla_build_info{role="api",version="1.2.3"}')).toBe(1);
      expect(sample(body, 'flotilla_ssh_connection_attempts_total')).toBe(1);
      expect(sample(body, 'flotilla_ssh_handshake_errors_total{reason="unreachable"}')).toBe(1);
      expect(sample(body, 'flotilla_ssh_handshake_errors_total{reason="hostKeyChanged"}')).toBe(0);

      expect(sample(body, 'flotilla_clusters{status="running"}')).toBe(1);
      expect(sample(body, 'flotilla_clusters{status="provisioning"}')).toBe(1);
      expect(sample(body, 'flotilla_clusters{status="error"}')).toBe(0);
      expect(sample(body, 'flotilla_nodes{status="running"}')).toBe(2);
      expect(sample(body, 'flotilla_nodes{status="down"}')).toBe(1);
      expect(sample(body, 'flotilla_outbox_backlog')).toBe(1);
      expect(sample(body, 'flotilla_outbox_oldest_seconds')).toBeGreaterThanOrEqual(0);
      expect(sample(body, 'flotilla_queue_jobs{queue="nodes",state="waiting"}')).toBe(1);
      expect(sample(body, 'flotilla_queue_jobs{queue="nodes",state="delayed"}')).toBe(1);
      expect(sample(body, 'flotilla_queue_jobs{queue="clusters",state="failed"}')).toBe(0);
      // Node's own process metrics.
      expect(body).toMatch(/^process_cpu_user_seconds_total \d/m);
      expect(body).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    } finally {
      metrics.close();
      await server.close();
    }
  });

  it('answers only GET on /metrics, and nothing else on its listener', async () => {
    const metrics = createApiMetrics({ version: '1' });
    const server = await startMetricsServer({
      registry: metrics.registry,
      host: '127.0.0.1',
      port: 0,
    });
    try {
      expect((await fetch(server.url)).status).toBe(200);
      const post = await fetch(server.url, { method: 'POST' });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET, HEAD');
      expect((await fetch(server.url.replace('/metrics', '/'))).status).toBe(404);
    } finally {
      metrics.close();
      await server.close();
    }
  });
});

describe('worker metrics', () => {
  it('time jobs by name and outcome; unknown job names never become labels', async () => {
    const metrics = createWorkerMetrics({
      version: '1',
      sshPool: () => ({ connections: 3, opened: 5, channels: 2, waiting: 1 }),
    });
    try {
      metrics.jobs.observe('provisionCluster', 'completed', 42);
      metrics.jobs.observe('provisionNode', 'retried', 3);
      metrics.jobs.observe('provisionNode', 'failed', 7);
      metrics.jobs.observe('somethingFromAPayload', 'completed', 1);
      const body = await metrics.registry.metrics();
      expect(promtool(body)).toMatchObject({ status: 0 });
      const duration = 'flotilla_job_duration_seconds';
      expect(sample(body, `${duration}_count{job="provisionCluster",outcome="completed"}`)).toBe(1);
      expect(sample(body, `${duration}_sum{job="provisionCluster",outcome="completed"}`)).toBe(42);
      expect(
        sample(body, `${duration}_bucket{le="30",job="provisionCluster",outcome="completed"}`),
      ).toBe(0);
      expect(
        sample(body, `${duration}_bucket{le="60",job="provisionCluster",outcome="completed"}`),
      ).toBe(1);
      expect(sample(body, 'flotilla_jobs_total{job="provisionNode",outcome="retried"}')).toBe(1);
      expect(sample(body, 'flotilla_jobs_total{job="provisionNode",outcome="failed"}')).toBe(1);
      expect(sample(body, 'flotilla_jobs_total{job="unknown",outcome="completed"}')).toBe(1);
      expect(body).not.toContain('somethingFromAPayload');
      expect(sample(body, 'flotilla_ssh_pool_connections')).toBe(3);
      expect(sample(body, 'flotilla_ssh_pool_waiting')).toBe(1);
      expect(sample(body, 'flotilla_build_info{role="worker",version="1"}')).toBe(1);
    } finally {
      metrics.close();
    }
  });
});

describe('state gauges', () => {
  it('leave out what could not be read and count the failure, instead of reporting zeros', async () => {
    // A port nothing listens on: Postgres "down" without touching the real one.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    const down = createDb({
      url: `postgresql://root@127.0.0.1:${port}/none`,
      connectionTimeoutMs: 500,
    });
    const failures: string[] = [];
    const metrics = createApiMetrics({
      version: '1',
      state: createStateSource({ db: down, queues }),
      onStateError: (_error, source) => failures.push(source),
    });
    try {
      const body = await metrics.registry.metrics();
      expect(promtool(body)).toMatchObject({ status: 0 });
      expect(body).not.toMatch(/^flotilla_clusters\{/m);
      expect(body).not.toMatch(/^flotilla_nodes\{/m);
      // prom-client writes NaN as `Nan`; Prometheus reads either.
      expect(body).toMatch(/^flotilla_outbox_backlog Nan$/m);
      // Counted once per reading, however many gauges shared it.
      expect(failures.sort()).toEqual(['database', 'queues']);
      const errors = await metrics.registry
        .getSingleMetric('flotilla_state_read_errors_total')
        ?.get();
      expect(errors?.values).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ labels: { source: 'database' }, value: 1 }),
          expect.objectContaining({ labels: { source: 'queues' }, value: 1 }),
        ]),
      );
    } finally {
      metrics.close();
      await down.$disconnect();
    }
  });
});
