// /metrics on the API process as main.ts runs it: behind METRICS_TOKEN, valid for promtool, and
// every way a procedure is reached (/api, a REST alias, /trpc) timed under its own name.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '@flotilla/config';
import { createTestDatabase, type TestDatabase } from '@flotilla/db/testing';
import { createLogger } from '@flotilla/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiRuntime, startApiRuntime } from '../src/runtime.ts';

const metricsToken = randomUUID();
let database: TestDatabase;
let runtime: ApiRuntime;

beforeAll(async () => {
  database = await createTestDatabase();
  const config = loadConfig({
    DATABASE_URL: database.url,
    NODE_ENV: 'test',
    PORT: '0',
    QUEUE_PREFIX: `flt-test-${randomUUID().slice(0, 8)}`,
    LOG_LEVEL: 'silent',
    METRICS_TOKEN: metricsToken,
    DIGITALOCEAN_API_URL: 'http://127.0.0.1:1',
    HETZNER_API_URL: 'http://127.0.0.1:1',
    AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:1',
  });
  runtime = await startApiRuntime(config, createLogger({ name: 'api-test', level: 'silent' }));
});
afterAll(async () => {
  await runtime?.close();
  await database?.drop();
});

function count(exposition: string, labels: string): number | undefined {
  const series = `flotilla_http_request_duration_seconds_count{${labels}}`;
  const line = exposition.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics on the API', () => {
  it('needs the metrics token', async () => {
    expect((await fetch(`${runtime.url}/metrics`)).status).toBe(401);
    const session = await fetch(`${runtime.url}/metrics`, {
      headers: { authorization: 'Bearer fls_not-the-metrics-token' },
    });
    expect(session.status).toBe(401);
    expect(session.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
  });

  it('times /api, REST aliases and /trpc per procedure and status, and passes promtool', async () => {
    const base = runtime.url;
    const registered = await fetch(`${base}/api/auth.register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'm@example.test',
        password: 'correct horse battery',
        name: 'M',
      }),
    });
    expect(registered.status).toBe(201);
    expect((await fetch(`${base}/api/cluster.all?organizationId=org_x`)).status).toBe(401);
    expect((await fetch(`${base}/api/cluster.all`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${base}/api/v1/clusters`)).status).toBe(401);
    expect((await fetch(`${base}/api/no.suchThing`)).status).toBe(404);
    expect((await fetch(`${base}/trpc/auth.methods`)).status).toBe(200);
    expect((await fetch(`${base}/trpc/auth.methods,auth.me?batch=1&input={}`)).status).toBe(207);

    const res = await fetch(`${base}/metrics`, {
      headers: { authorization: `Bearer ${metricsToken}` },
    });
    expect(res.status).toBe(200);
    const body = await res.text();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);

    expect(count(body, 'transport="api",procedure="auth.register",status="201"')).toBe(1);
    expect(count(body, 'transport="api",procedure="cluster.all",status="401"')).toBe(1);
    expect(count(body, 'transport="api",procedure="cluster.all",status="405"')).toBe(1);
    expect(count(body, 'transport="rest",procedure="platform.clusters",status="401"')).toBe(1);
    // A name nobody defined never becomes a label.
    expect(count(body, 'transport="api",procedure="unknown",status="404"')).toBe(1);
    expect(body).not.toContain('no.suchThing');
    // The batch: each call with its own status.
    expect(count(body, 'transport="trpc",procedure="auth.methods",status="200"')).toBe(2);
    expect(count(body, 'transport="trpc",procedure="auth.me",status="401"')).toBe(1);
    expect(body).toMatch(/^flotilla_build_info\{role="api",version="[^"]+"\} 1$/m);
    expect(body).toMatch(/^flotilla_clusters\{status="running"\} 0$/m);
    expect(body).toMatch(/^flotilla_outbox_backlog \d+$/m);
    expect(body).toMatch(/^flotilla_queue_jobs\{queue="clusters",state="waiting"\} \d+$/m);
  });
});
