// /metrics of the worker (its own listener, WORKER_METRICS_PORT) and of the API, as `pnpm start`
// runs them (compiled, child processes), after a Swarm of two testbed servers was provisioned:
// both pass `promtool check metrics`, the worker's job histogram has the provisioning jobs, and
// its SSH counters the connections they opened.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@flotilla/db/testing';
import {
  type ControlPlane,
  call,
  eventually,
  freePort,
  startControlPlane,
} from '@flotilla/harness';
import { createTestbed, generateKeyPair, type Testbed } from '@flotilla/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const metricsToken = randomUUID();
let database: TestDatabase;
let testbed: Testbed;
let cp: ControlPlane;
let workerMetricsUrl: string;
let token: string;
let organizationId: string;
let sshKeyId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const keys = await generateKeyPair();
  testbed = await createTestbed({ hosts: 2, authorizedKeys: [keys.publicKey] });
  const port = await freePort();
  workerMetricsUrl = `http://127.0.0.1:${port}/metrics`;
  cp = await startControlPlane({
    databaseUrl: database.url,
    workers: 1,
    env: { WORKER_METRICS_PORT: String(port), METRICS_TOKEN: metricsToken },
  });
  const registered = await call<{ token: string; organization: { id: string } }>(
    cp.url,
    'auth.register',
    { input: { email: 'ops@example.com', password: 'correct horse battery', name: 'Ops' } },
  );
  token = registered.token;
  organizationId = registered.organization.id;
  sshKeyId = (
    await call<{ id: string }>(cp.url, 'sshKey.create', {
      token,
      input: { organizationId, name: 'deploy', privateKey: keys.privateKey },
    })
  ).id;
}, 240_000);

afterAll(async () => {
  await cp?.stop();
  await testbed?.destroy();
  await database?.drop();
});

async function scrape(url: string, bearer: string = metricsToken) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${bearer}` } });
  return { status: res.status, body: await res.text() };
}

function value(exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function promtool(exposition: string) {
  const check = spawnSync('promtool', ['check', 'metrics'], {
    input: exposition,
    encoding: 'utf8',
  });
  return { status: check.status, output: check.stdout + check.stderr };
}

describe('metrics after provisioning', () => {
  it('show the provisioning jobs, SSH connections and cluster states, valid for promtool', async () => {
    expect((await scrape(workerMetricsUrl, 'not-the-token')).status).toBe(401);

    const cluster = await call<{ id: string }>(cp.url, 'cluster.create', {
      token,
      input: {
        organizationId,
        name: 'measured',
        orchestrator: 'swarm',
        provider: 'ssh',
        sshKeyId,
        nodes: testbed.hosts.map((host, i) => ({
          role: i === 0 ? 'manager' : 'worker',
          host: host.host,
        })),
      },
    });
    await eventually(
      'the cluster running',
      async () => {
        const one = await call<{ status: string; statusReason: string | null }>(
          cp.url,
          'cluster.one',
          { token, method: 'GET', input: { clusterId: cluster.id } },
        );
        if (one.status === 'error') throw new Error(`cluster failed: ${one.statusReason}`);
        return one.status === 'running' ? one : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 500 },
    );

    // The last provisionNode attempt is observed as its job returns, a moment after the status.
    const worker = await eventually('both provisioning jobs observed', async () => {
      const { status, body } = await scrape(workerMetricsUrl);
      expect(status).toBe(200);
      const completed = (job: string) =>
        value(body, `flotilla_job_duration_seconds_count{job="${job}",outcome="completed"}`);
      return completed('provisionCluster') === 1 && completed('provisionNode') === 1
        ? body
        : undefined;
    });
    expect(promtool(worker)).toMatchObject({ status: 0 });
    expect(worker).toMatch(
      /^flotilla_job_duration_seconds_bucket\{le="\+Inf",job="provisionCluster",outcome="completed"\} 1$/m,
    );
    expect(value(worker, 'flotilla_jobs_total{job="provisionNode",outcome="completed"}')).toBe(1);
    expect(value(worker, 'flotilla_ssh_connection_attempts_total')).toBeGreaterThanOrEqual(2);
    expect(value(worker, 'flotilla_ssh_handshake_duration_seconds_count')).toBeGreaterThanOrEqual(
      2,
    );
    expect(value(worker, 'flotilla_ssh_handshake_errors_total{reason="hostKeyChanged"}')).toBe(0);
    expect(worker).toMatch(/^flotilla_build_info\{role="worker",version="[^"]+"\} 1$/m);

    const api = await scrape(`${cp.url}/metrics`);
    expect(api.status).toBe(200);
    expect(promtool(api.body)).toMatchObject({ status: 0 });
    expect(value(api.body, 'flotilla_clusters{status="running"}')).toBe(1);
    expect(value(api.body, 'flotilla_nodes{status="running"}')).toBe(2);
    expect(
      value(
        api.body,
        'flotilla_http_request_duration_seconds_count{transport="api",procedure="cluster.create",status="201"}',
      ),
    ).toBe(1);
  });
});
