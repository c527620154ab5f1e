// The queue view (Bull Board under /admin/queues) in the API process as main.ts runs it: opened by
// controlPlane.queueView for an instance administrator's dashboard session only, through a
// cookie nobody else can use, forge or send from another site; it shows failed jobs and retries
// them, and refuses the changes the control plane keeps to itself.
import { randomUUID } from 'node:crypto';
import { loadConfig } from '@flotilla/config';
import { createDb, type Db } from '@flotilla/db';
import { createTestDatabase, type TestDatabase } from '@flotilla/db/testing';
import { createLogger } from '@flotilla/log';
import { createQueues, type Queues } from '@flotilla/queue';
import { redisConnection } from '@flotilla/redis';
import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTemplate } from '../src/queue-view.ts';
import { type ApiRuntime, startApiRuntime } from '../src/runtime.ts';

const prefix = `flt-test-${randomUUID().slice(0, 8)}`;
let database: TestDatabase;
let runtime: ApiRuntime;
let queues: Queues;
let db: Db;
let config: ReturnType<typeof loadConfig>;
let admin: { token: string; userId: string };
let member: { token: string; userId: string };
let adminApiToken: string;

async function call(
  path: string,
  init: { token?: string; body?: unknown; headers?: Record<string, string>; method?: string } = {},
) {
  const res = await fetch(`${runtime.url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...init.headers,
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  // Bodies are read by the test as they come (JSON of several shapes, or HTML).
  // biome-ignore lint/suspicious/noExplicitAny: read by assertions that say what they expect
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, text, json };
}

async function register(email: string) {
  const reply = await call('/api/auth.register', {
    body: { email, password: 'correct horse battery', name: email.split('@')[0] },
  });
  expect(reply.status).toBe(201);
  return {
    token: reply.json.result.data.token as string,
    userId: reply.json.result.data.user.id as string,
  };
}

/** The cookie `controlPlane.queueView` sets for `token`, as a browser would send it back. */
async function openView(token: string, headers: Record<string, string> = {}) {
  const reply = await call('/api/controlPlane.queueView', { token, body: {}, headers });
  expect(reply.status, reply.text).toBe(200);
  const setCookie = reply.headers.get('set-cookie') ?? '';
  return { setCookie, cookie: setCookie.split(';')[0] as string, data: reply.json.result.data };
}

beforeAll(async () => {
  database = await createTestDatabase();
  config = loadConfig({
    DATABASE_URL: database.url,
    NODE_ENV: 'test',
    PORT: '0',
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    FLOTILLA_OPEN_SIGNUP: 'true',
    DIGITALOCEAN_API_URL: 'http://127.0.0.1:1',
    HETZNER_API_URL: 'http://127.0.0.1:1',
    AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:1',
  });
  runtime = await startApiRuntime(config, createLogger({ name: 'api-test', level: 'silent' }));
  queues = createQueues({ redis: config, prefix });
  db = createDb({ url: database.url });
  // The first user of an instance is its administrator; the second is not.
  admin = await register('root@example.test');
  member = await register('member@example.test');
  adminApiToken = (await call('/api/token.create', { token: admin.token, body: { name: 'ci' } }))
    .json.result.data.token;
});

afterAll(async () => {
  await runtime?.close();
  for (const name of ['clusters', 'nodes'] as const)
    await queues?.get(name).obliterate({ force: true });
  await queues?.close();
  await db?.$disconnect();
  await database?.drop();
});

describe('opening the queue view', () => {
  it('is for an instance administrator in a dashboard session only', async () => {
    expect((await call('/api/controlPlane.queueView', { body: {} })).status).toBe(401);
    // An API token, even an administrator's: a leaked script token does not open it.
    expect(
      (await call('/api/controlPlane.queueView', { token: adminApiToken, body: {} })).status,
    ).toBe(401);
    const refused = await call('/api/controlPlane.queueView', { token: member.token, body: {} });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('set-cookie')).toBeNull();

    const { setCookie, data } = await openView(admin.token);
    expect(data.url).toBe('/admin/queues/');
    expect(Date.parse(data.expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(setCookie).toMatch(/^flotilla_queue_view=v2\.[^;]+; /);
    expect(setCookie).toContain('; Path=/admin/queues; Max-Age=900; HttpOnly; SameSite=Strict');
    expect(setCookie).not.toContain('Secure');
    // Behind a proxy that terminates TLS the cookie is sent over HTTPS only.
    expect((await openView(admin.token, { 'x-forwarded-proto': 'https' })).setCookie).toMatch(
      /; Secure$/,
    );
    // Recorded like every other change.
    const audit = await db.auditLog.findFirst({
      where: { action: 'controlPlane.queueView', outcome: 'success' },
    });
    expect(audit?.actorId).toBe(admin.userId);
  });

  it('answers nobody without the cookie, or with a forged one', async () => {
    for (const path of [
      '/admin/queues/',
      '/admin/queues/api/queues',
      '/admin/queues/static/js/x.js',
    ]) {
      const reply = await call(path);
      expect(reply.status, path).toBe(401);
      expect(reply.json.error.message).toMatch(/Administration → Queues/);
    }
    // The session token itself is not a key to the view.
    expect((await call('/admin/queues/api/queues', { token: admin.token })).status).toBe(401);
    const { cookie } = await openView(admin.token);
    const forged = `${cookie.slice(0, -4)}AAAA`;
    expect((await call('/admin/queues/api/queues', { headers: { cookie: forged } })).status).toBe(
      401,
    );
    expect(
      (
        await call('/admin/queues/api/queues', {
          headers: { cookie: 'flotilla_queue_view=v2.x.y.z' },
        })
      ).status,
    ).toBe(401);
  });
});

describe('the queue view', () => {
  it('serves Bull Board, locked down, under /admin/queues', async () => {
    const { cookie } = await openView(admin.token);
    const page = await call('/admin/queues/', { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.text).toContain('<base href="/admin/queues/" />');
    expect(page.text).toContain('<title>Flotilla queues</title>');
    expect(page.text).not.toContain('<%');
    // Its scripts and styles come from the same place, with the same cookie.
    const script = /src="(static\/js\/main\.[^"]+\.js)"/.exec(page.text)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${runtime.url}/admin/queues/${script}`, { headers: { cookie } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    // Bull Board's own pages are the same page.
    expect((await call('/admin/queues/queue/clusters', { headers: { cookie } })).status).toBe(200);
    const redirect = await fetch(`${runtime.url}/admin/queues`, {
      redirect: 'manual',
      headers: { cookie },
    });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/admin/queues/');
  });

  it('shows a failed job and retries it; refuses what the control plane keeps to itself', async () => {
    const { cookie } = await openView(admin.token);
    const queue = queues.get('clusters');
    await queue.add(
      'provisionCluster',
      { clusterId: 'cls_broken' },
      { jobId: 'provisionCluster.cls_broken', attempts: 1 },
    );
    // A worker that fails it once, and is gone before the retry.
    const failing = new Worker(
      'clusters',
      async () => {
        throw new Error('manager unreachable');
      },
      { connection: redisConnection(config, 'worker'), prefix },
    );
    await new Promise<void>((resolve) => failing.once('failed', () => resolve()));
    await failing.close();

    const listed = await call(
      '/admin/queues/api/queues?activeQueue=clusters&status=failed&page=1',
      {
        headers: { cookie },
      },
    );
    expect(listed.status, listed.text).toBe(200);
    const clusters = listed.json.queues.find((q: { name: string }) => q.name === 'clusters');
    expect(clusters.counts.failed).toBe(1);
    expect(clusters.jobs).toEqual([
      expect.objectContaining({
        id: 'provisionCluster.cls_broken',
        failedReason: 'manager unreachable',
      }),
    ]);
    // Every shared queue is there.
    expect(listed.json.queues.map((q: { name: string }) => q.name)).toEqual(
      expect.arrayContaining(['clusters', 'nodes', 'health', 'maintenance', 'apps', 'builds']),
    );

    const retry = '/admin/queues/api/queues/clusters/provisionCluster.cls_broken/retry';
    // From another site's page: refused, even with the cookie (which SameSite=Strict withholds anyway).
    const crossSite = await call(retry, {
      method: 'PUT',
      headers: { cookie, 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.status).toBe(403);
    expect(await (await queue.getJob('provisionCluster.cls_broken'))?.getState()).toBe('failed');

    const retried = await call(retry, {
      method: 'PUT',
      headers: { cookie, 'sec-fetch-site': 'same-origin' },
    });
    expect(retried.status, retried.text).toBe(204);
    expect(await (await queue.getJob('provisionCluster.cls_broken'))?.getState()).toBe('waiting');
    // Only failed jobs are retried: this one waits now.
    const again = await call(retry, { method: 'PUT', headers: { cookie } });
    expect(again.status).toBe(403);

    for (const [method, path] of [
      ['PUT', '/admin/queues/api/queues/clusters/obliterate'],
      ['PUT', '/admin/queues/api/queues/clusters/empty'],
      ['PUT', '/admin/queues/api/queues/clusters/pause'],
      ['POST', '/admin/queues/api/queues/clusters/add'],
      ['PUT', '/admin/queues/api/queues/clusters/provisionCluster.cls_broken/clean'],
      ['PUT', '/admin/queues/api/queues/clusters/retry/completed'],
    ] as const) {
      const reply = await call(path, { method, headers: { cookie }, body: {} });
      expect(reply.status, `${method} ${path}`).toBe(403);
      expect(reply.json.message).toMatch(/control plane writes and removes its jobs itself/);
    }
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
    expect(await queue.isPaused()).toBe(false);
  });

  it('closes when the session ends or its user stops being an administrator', async () => {
    const second = await register('second-admin@example.test');
    await db.user.update({ where: { id: second.userId }, data: { instanceAdmin: true } });
    const { cookie } = await openView(second.token);
    expect((await call('/admin/queues/api/queues', { headers: { cookie } })).status).toBe(200);
    await db.user.update({ where: { id: second.userId }, data: { instanceAdmin: false } });
    expect((await call('/admin/queues/api/queues', { headers: { cookie } })).status).toBe(403);

    const { cookie: adminCookie } = await openView(admin.token);
    expect(
      (await call('/admin/queues/api/queues', { headers: { cookie: adminCookie } })).status,
    ).toBe(200);
    expect((await call('/api/auth.logout', { token: admin.token, body: {} })).status).toBe(200);
    const after = await call('/admin/queues/api/queues', { headers: { cookie: adminCookie } });
    expect(after.status).toBe(401);
    expect(after.json.error.message).toMatch(/session ended/);
  });
});

describe('the page template', () => {
  it('escapes values, and stops at EJS it does not know rather than serve it', () => {
    expect(
      renderTemplate('<title><%= title %></title><%- raw %>', { title: '<b>&', raw: '<i>' }),
    ).toBe('<title>&lt;b&gt;&amp;</title><i>');
    expect(() => renderTemplate('<% if (x) { %>', {})).toThrow(/unsupported EJS tag/);
    expect(() => renderTemplate('<%= missing %>', {})).toThrow(/no value for missing/);
  });
});
