// Managed databases from the dashboard, on a real Swarm: a two-server testbed cluster and the
// testbed's registry (holding the database images) set up through the API, then a Postgres
// database created from the form, watched until its readiness probe answers, its password
// revealed (and the read audited), bound to an app, backed up and restored, unbound and
// removed. What the page says is checked against the servers (psql on the published port).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createTestbed, databaseImages, type Testbed, type TestImages } from '@flotilla/testbed';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { accessibilityProblems, type Dashboard, screenshot, startDashboard } from './harness.ts';

const run = promisify(execFile);
const owner = {
  name: 'Dana Base',
  email: 'dana@databases.test',
  password: 'correct horse battery',
};

async function checkPage(page: Page, name: string) {
  await screenshot(page, name);
  expect(await accessibilityProblems(page), `${name}: axe serious/critical findings`).toEqual([]);
}

describe('managed databases from the dashboard', () => {
  let dashboard: Dashboard;
  let testbed: Testbed;
  let images: TestImages;
  let page: Page;
  let token: string;
  let clusterId: string;
  let appId: string;
  let databaseId: string;

  const nav = () => page.getByRole('navigation', { name: 'Main' });

  async function api<T>(name: string, method: 'GET' | 'POST', input: object): Promise<T> {
    const query =
      method === 'GET' ? `?${new URLSearchParams(input as Record<string, string>)}` : '';
    const res = await fetch(`${dashboard.url}/api/${name}${query}`, {
      method,
      signal: AbortSignal.timeout(30_000),
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      },
      ...(method === 'POST' ? { body: JSON.stringify(input) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${name}: ${res.status} ${text}`);
    return (JSON.parse(text) as { result: { data: T } }).result.data;
  }

  async function psql(url: string, sql: string): Promise<string> {
    const { stdout } = await run('psql', ['-X', '-q', '-t', '-A', url, '-c', sql], {
      env: { ...process.env, PGCONNECT_TIMEOUT: '5' },
    });
    return stdout.trim();
  }

  beforeAll(async () => {
    testbed = await createTestbed({ hosts: 2, registryAuth: true });
    dashboard = await startDashboard({
      engine: true,
      env: { APP_PUBLISH_MODE: 'host', HEALTH_CHECK_INTERVAL_MS: '2000' },
    });
    // One after the other: each logs the pushing server in to the registry and out again.
    const pushed = (async () => {
      const workload = await testbed.images();
      await databaseImages(testbed);
      return workload;
    })();
    const session = await api<{ token: string; organization: { id: string } }>(
      'auth.register',
      'POST',
      { ...owner, organizationName: 'Databases Inc' },
    );
    token = session.token;
    const organizationId = session.organization.id;
    const key = await api<{ id: string; publicKey: string }>('sshKey.generate', 'POST', {
      organizationId,
      name: 'fleet',
    });
    await testbed.authorizeKey(key.publicKey);
    const [manager, worker] = testbed.hosts;
    if (!manager || !worker) throw new Error('testbed has too few hosts');
    clusterId = (
      await api<{ id: string }>('cluster.create', 'POST', {
        organizationId,
        name: 'data',
        provider: 'ssh',
        orchestrator: 'swarm',
        sshKeyId: key.id,
        nodes: [
          { role: 'manager', host: manager.host },
          { role: 'worker', host: worker.host },
        ],
      })
    ).id;
    await api('registry.create', 'POST', {
      organizationId,
      name: 'testbed',
      server: testbed.registry.address,
      username: testbed.registry.username,
      password: testbed.registry.password,
      makeDefault: true,
    });
    images = await pushed;
    await vi.waitFor(
      async () => {
        const one = await api<{ status: string }>('cluster.one', 'GET', { clusterId });
        expect(one.status).toBe('running');
      },
      { timeout: 420_000, interval: 1_000 },
    );
    appId = (
      await api<{ id: string }>('app.create', 'POST', {
        clusterId,
        name: 'shop',
        sourceType: 'image',
        imageUrl: images.httpV1.name,
        port: 80,
      })
    ).id;

    page = await dashboard.newPage();
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/clusters');
  }, 900_000);

  afterAll(async () => {
    await dashboard?.close();
    await testbed?.destroy();
  });

  it('creates a Postgres database from the form and shows it become ready on its node', async () => {
    await nav().getByRole('link', { name: 'Databases' }).click();
    await page.waitForURL('**/databases');
    await page.getByText('No databases yet').waitFor();
    await checkPage(page, 'databases-01-empty');

    await page.getByRole('link', { name: 'New database' }).click();
    await page.waitForURL('**/databases/new');
    await vi.waitFor(async () =>
      expect(await page.getByLabel('Cluster', { exact: true }).inputValue()).toBe(clusterId),
    );
    // The API's rules beside the field.
    await page.getByLabel('Published port (optional)').fill('70000');
    await page.getByRole('button', { name: 'Create database' }).click();
    await page
      .locator('.field', { has: page.getByLabel('Name', { exact: true }) })
      .getByText('Is required')
      .waitFor();
    await page.getByText('Must be 1–65535').waitFor();
    await checkPage(page, 'databases-02-create-validation');

    await page.getByLabel('Name', { exact: true }).fill('orders');
    await page.getByLabel('PostgreSQL').check();
    await page.getByLabel('Published port (optional)').fill('31600');
    await page.getByRole('button', { name: 'Create database' }).click();
    await page.waitForURL(/\/databases\/db_/);
    databaseId = page.url().split('/').pop() as string;
    await page.locator('h1 [data-status="creating"]').waitFor();
    await page.locator('h1 [data-status="ready"]').waitFor({ timeout: 300_000 });
    // The node it is pinned to, as the API recorded it when it was created.
    const db = await api<{ nodeName: string; publicHost: string }>('database.one', 'GET', {
      databaseId,
    });
    await expect(page.getByTestId('database-node').textContent()).resolves.toBe(db.nodeName);
    await page.getByText(`${db.publicHost}:31600`).waitFor();
    await checkPage(page, 'databases-03-ready');
  });

  it('reveals the password on request, which connects, and the read is audited', async () => {
    expect(await page.getByTestId('database-password').count()).toBe(0);
    await page.getByRole('button', { name: 'Reveal password' }).click();
    const url = (await page.getByTestId('database-public-url').textContent()) ?? '';
    expect(url).toMatch(/^postgresql:\/\/app:[A-Za-z0-9_-]{32}@/);
    expect(await psql(url, 'select 41 + 1')).toBe('42');
    await checkPage(page, 'databases-04-revealed');
    await page.getByRole('button', { name: 'Hide password' }).click();
    expect(await page.getByTestId('database-password').count()).toBe(0);
    const { organizationId } = await api<{ organizationId: string }>('database.one', 'GET', {
      databaseId,
    });
    const audit = await api<{ items: { action: string; targetId: string | null }[] }>(
      'audit.list',
      'GET',
      { organizationId, action: 'database.credentials' },
    );
    expect(audit.items.map((item) => `${item.action} ${item.targetId}`)).toContain(
      `database.credentials ${databaseId}`,
    );
    await psql(url, 'create table items (id int primary key)');
    await psql(url, 'insert into items values (1), (2)');
  });

  it('binds it to an app, which is redeployed with DATABASE_URL, and unbinds it', async () => {
    const binding = page.getByRole('region', { name: 'Bound app' });
    await binding.getByLabel('App').selectOption({ label: 'shop' });
    await binding.getByRole('button', { name: 'Bind' }).click();
    await binding.getByTestId('bound-app').getByText('shop').waitFor();
    await binding.locator('[data-status="bound"]').waitFor({ timeout: 180_000 });
    const app = await api<{ secretEnvNames: string[] }>('app.one', 'GET', { appId });
    expect(app.secretEnvNames).toContain('DATABASE_URL');
    await checkPage(page, 'databases-05-bound');
  });

  it('backs it up and restores the backup over later writes', async () => {
    const backups = page.getByRole('region', { name: 'Backups' });
    await backups.getByText('No backups yet.').waitFor();
    await backups.getByRole('button', { name: 'Back up now' }).click();
    await backups.locator('[data-backup] [data-status="succeeded"]').waitFor({ timeout: 120_000 });
    const url = (
      await api<{ public: { url: string } }>('database.credentials', 'GET', { databaseId })
    ).public.url;
    await psql(url, 'insert into items values (3)');
    await backups.getByRole('button', { name: 'Restore…' }).click();
    await backups.getByRole('button', { name: 'Restore over this one' }).click();
    await backups.locator('[data-restore] [data-status="succeeded"]').waitFor({ timeout: 180_000 });
    expect(await psql(url, "select string_agg(id::text, ',' order by id) from items")).toBe('1,2');
    await checkPage(page, 'databases-06-restored');
  });

  it('lists it, unbinds it and removes it', async () => {
    const binding = page.getByRole('region', { name: 'Bound app' });
    await binding.getByRole('button', { name: 'Unbind' }).click();
    await binding.getByLabel('App').waitFor({ timeout: 180_000 });

    await nav().getByRole('link', { name: 'Databases' }).click();
    const row = page.locator('[data-database="orders"]');
    await row.locator('[data-status="ready"]').waitFor();
    await checkPage(page, 'databases-07-list');
    await row.getByRole('link', { name: 'orders' }).click();
    await page.getByRole('button', { name: 'Remove database' }).click();
    await page.getByRole('button', { name: 'Remove orders and its data' }).click();
    await page.waitForURL('**/databases');
    await vi.waitFor(
      async () => {
        const list = await api<unknown[]>('database.all', 'GET', {});
        expect(list).toEqual([]);
      },
      { timeout: 120_000, interval: 1_000 },
    );
  });
});
