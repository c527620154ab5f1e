// Apps from the dashboard, on a real Swarm: a two-server testbed cluster (made through the API:
// the provisioning pages have their own test), the testbed's registry with credentials added
// from the settings page, and an app created from the form, watched until it runs, followed in
// its live log, deployed again, rolled back, given new env, scaled and removed; then an uploaded
// source built on the cluster. What the page says is checked against the servers (HTTP on the
// published port, `docker service ps`).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestbed, type Testbed, type TestImages } from '@flotilla/testbed';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { accessibilityProblems, type Dashboard, screenshot, startDashboard } from './harness.ts';

const owner = { name: 'Ada Apps', email: 'ada@apps.test', password: 'correct horse battery' };

/** Screenshot plus axe: every page the test reaches goes through here. */
async function checkPage(page: Page, name: string) {
  await screenshot(page, name);
  expect(await accessibilityProblems(page), `${name}: axe serious/critical findings`).toEqual([]);
}

describe('apps from the dashboard', () => {
  let dashboard: Dashboard;
  let testbed: Testbed;
  let images: TestImages;
  let page: Page;
  let token: string;
  let clusterId: string;
  let appId: string;
  let publishedPort: number;
  let scratch: string | undefined;

  const nav = () => page.getByRole('navigation', { name: 'Main' });

  /** A procedure at /api/<name>, as the user whose session the page has. */
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

  /** What the app answers on its published port, from this machine, on each server. */
  async function answers(path = '/'): Promise<string[]> {
    return Promise.all(
      testbed.hosts.map(async (host) => {
        try {
          const res = await fetch(`http://${host.host}:${publishedPort}${path}`, {
            signal: AbortSignal.timeout(3_000),
          });
          return (await res.text()).trim();
        } catch {
          return 'no answer';
        }
      }),
    );
  }

  /** Waits until some server answers `version` on the published port (host mode: where a task runs). */
  async function servesVersion(version: string, timeout = 60_000) {
    await vi.waitFor(async () => expect(await answers()).toContain(version), {
      timeout,
      interval: 500,
    });
  }

  /** `docker service ps` on the manager: the running tasks of the app's service. */
  async function runningTasks(service: string): Promise<string[]> {
    const manager = testbed.hosts[0];
    if (!manager) throw new Error('no testbed');
    const out = await testbed.exec(
      manager.name,
      `docker service ps ${service} --filter desired-state=running --format '{{.CurrentState}}|{{.Image}}'`,
    );
    return out.stdout
      .trim()
      .split('\n')
      .filter((line) => line.startsWith('Running'));
  }

  beforeAll(async () => {
    const t0 = Date.now();
    const step = (what: string) => console.log(`apps e2e: ${what} at ${Date.now() - t0} ms`);
    testbed = await createTestbed({ hosts: 2, registryAuth: true });
    // The registry's certificate is its own CA: the API trusts it as an operator would a private
    // CA, through Node's NODE_EXTRA_CA_CERTS (registry.test speaks TLS to it).
    scratch = await mkdtemp(join(tmpdir(), 'flotilla-e2e-apps-'));
    const ca = join(scratch, 'registry-ca.pem');
    await writeFile(ca, testbed.registry.caCert);
    dashboard = await startDashboard({
      engine: true,
      // The testbed's kernel has no IPVS: published ports answer in host mode only.
      // Sources without a Dockerfile build on the testbed's HTTP image.
      env: {
        APP_PUBLISH_MODE: 'host',
        NODE_EXTRA_CA_CERTS: ca,
        BUILD_BASE_IMAGE: `${testbed.registry.address}/flotilla/http:v1`,
      },
    });
    step('control plane up');
    const imagesPushed = testbed.images();

    // The account, an SSH key and a two-server Swarm, through the API.
    const session = await api<{ token: string; organization: { id: string } }>(
      'auth.register',
      'POST',
      { ...owner, organizationName: 'Apps Inc' },
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
    const cluster = await api<{ id: string }>('cluster.create', 'POST', {
      organizationId,
      name: 'apps',
      provider: 'ssh',
      orchestrator: 'swarm',
      sshKeyId: key.id,
      nodes: [
        { role: 'manager', host: manager.host },
        { role: 'worker', host: worker.host },
      ],
    });
    clusterId = cluster.id;
    images = await imagesPushed;
    step('test images in the registry');
    await vi.waitFor(
      async () => {
        const one = await api<{ status: string }>('cluster.one', 'GET', { clusterId });
        expect(one.status).toBe('running');
      },
      // Provisioning has its own test; here it is set-up, slow on a loaded machine.
      { timeout: 420_000, interval: 1_000 },
    );
    step('cluster running');

    page = await dashboard.newPage();
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/clusters');
    step('signed in');
  }, 600_000);

  afterAll(async () => {
    await dashboard?.close();
    await testbed?.destroy();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('adds, tests and removes container registries; the password is never shown', async () => {
    const registry = testbed.registry;
    if (!registry.username || !registry.password) throw new Error('registry without auth');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'Container registries' }).click();
    await page.waitForURL('**/settings/registries');
    await page.getByText('No registries yet').waitFor();
    await checkPage(page, 'apps-01-registries-empty');

    // The same rules as the API, beside the field.
    await page.getByLabel('Registry address').fill('https://registry.example.com/v2');
    await page.getByRole('button', { name: 'Add registry' }).click();
    await page.getByText('Must be a registry host as image names spell it').waitFor();

    // A wrong password: stored, and the test says the registry refuses it.
    await page.getByLabel('Registry address').fill(registry.address);
    await page.getByLabel('Name', { exact: true }).fill('wrong');
    await page.getByLabel('Username').fill(registry.username);
    await page.getByLabel('Password or token').fill('not-the-password');
    await page.getByRole('button', { name: 'Add registry' }).click();
    const wrong = page.locator('[data-registry="wrong"]');
    await wrong.waitFor();
    await wrong.getByRole('button', { name: 'Test wrong' }).click();
    await wrong.locator('[data-testid="registry-test-result"].badge-bad').waitFor();

    await page.getByLabel('Registry address').fill(registry.address);
    await page.getByLabel('Name', { exact: true }).fill('testbed');
    await page.getByLabel('Username').fill(registry.username);
    await page.getByLabel('Password or token').fill(registry.password);
    await page.getByLabel('Make it the organization’s default registry').check();
    await page.getByRole('button', { name: 'Add registry' }).click();
    const good = page.locator('[data-registry="testbed"]');
    await good.getByText('default').waitFor();
    // The form is emptied and the password appears nowhere on the page.
    expect(await page.getByLabel('Password or token').inputValue()).toBe('');
    expect(await page.content()).not.toContain(registry.password);
    await good.getByRole('button', { name: 'Test testbed' }).click();
    await good.locator('[data-testid="registry-test-result"].badge-ok').waitFor();
    await checkPage(page, 'apps-02-registries');

    await wrong.getByRole('button', { name: 'Remove' }).click();
    await wrong.getByRole('button', { name: 'Remove wrong' }).click();
    await wrong.waitFor({ state: 'detached' });
    expect(await page.locator('[data-registry]').count()).toBe(1);
  });

  it('makes the cluster the default one, where new apps go', async () => {
    await page.goto(`/clusters/${clusterId}`);
    const apps = page.getByRole('region', { name: 'Apps' });
    await apps.getByText('No apps yet').waitFor();
    await apps.getByRole('button', { name: 'Make default cluster' }).click();
    await apps.getByTestId('default-cluster').waitFor();
    await checkPage(page, 'apps-03-cluster-default');
  });

  it('validates the new-app form with the API’s rules, beside each field', async () => {
    await nav().getByRole('link', { name: 'Apps' }).click();
    await page.waitForURL('**/apps');
    await page.getByText('No apps yet').waitFor();
    await checkPage(page, 'apps-04-list-empty');

    await page.getByRole('link', { name: 'New app' }).click();
    await page.waitForURL('**/apps/new');
    // The default cluster is chosen already.
    await vi.waitFor(async () =>
      expect(await page.getByLabel('Cluster', { exact: true }).inputValue()).toBe(clusterId),
    );
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.locator('.field-error').first().waitFor();
    const nameField = page.locator('.field', { has: page.getByLabel('Name', { exact: true }) });
    await nameField.getByText('Is required').waitFor();

    await page.getByLabel('Name', { exact: true }).fill('web');
    await page.getByLabel('Image', { exact: true }).fill('Not An Image!');
    await page.getByLabel('Replicas').fill('500');
    await page.getByRole('button', { name: 'Add variable' }).click();
    await page.getByLabel('Variable 1 name').fill('1BAD');
    await page.getByLabel('Variable 1 value').fill('x');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.getByText('Not an image reference').waitFor();
    await page.getByText('At most 100').waitFor();
    await page.getByText('Must be a variable name').waitFor();
    expect(await page.getByLabel('Image', { exact: true }).getAttribute('aria-invalid')).toBe(
      'true',
    );

    // An upload app needs its archive.
    await page.getByLabel('Upload a source archive').check();
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.getByText('Is required: a .tar or .tar.gz file').waitFor();
    await checkPage(page, 'apps-05-create-validation');
    await page.getByLabel('Container image').check();
  });

  it('creates an image app and shows it reach running with its tasks', async () => {
    await page.getByLabel('Image', { exact: true }).fill(images.httpV1.name);
    await page.getByLabel('Port', { exact: true }).fill('80');
    await page.getByLabel('Replicas').fill('2');
    await page.getByLabel('Variable 1 name').fill('GREETING');
    await page.getByLabel('Variable 1 value').fill('hello');
    await page.getByRole('button', { name: 'Add variable' }).click();
    await page.getByLabel('Variable 2 name').fill('API_KEY');
    await page.getByLabel('Variable 2 value').fill('s3cret-value');
    await page.getByLabel('Secret (variable 2)').check();
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.waitForURL((url) => /^\/apps\/app_[^/]+$/.test(url.pathname));
    appId = new URL(page.url()).pathname.split('/')[2] as string;

    const started = Date.now();
    await page.locator('h1 [data-status="running"]').waitFor({ timeout: 180_000 });
    console.log(`web: created -> running in ${Date.now() - started} ms (seen in the page)`);
    await page.getByTestId('replicas-ready').getByText('2 of 2 ready').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-pod][data-phase="Running"]').count()).toBe(2);
    publishedPort = Number(await page.getByTestId('published-port').textContent());
    expect(publishedPort).toBeGreaterThanOrEqual(30_000);

    // What the page says is what the servers say.
    expect(await runningTasks('web')).toHaveLength(2);
    await servesVersion('v1');
    // Resource use per task, sampled from the servers every 5 s (the first sample may predate
    // the second task).
    await expect
      .poll(() => page.locator('[data-metrics-task]').count(), { timeout: 30_000 })
      .toBe(2);
    const memory = await page
      .locator('[data-metrics-task] [data-testid="memory"]')
      .first()
      .textContent();
    expect(memory).not.toBe('0 B');
    await checkPage(page, 'apps-06-app-running');
  }, 240_000);

  it('lists the app per organization and per cluster', async () => {
    await nav().getByRole('link', { name: 'Apps' }).click();
    const row = page.locator('[data-app="web"]');
    await row.locator('[data-status="running"]').waitFor();
    expect(await row.getByRole('cell', { name: String(publishedPort) }).count()).toBe(1);
    await row.getByRole('link', { name: 'apps', exact: true }).waitFor();
    await checkPage(page, 'apps-07-list');
    await page.goto(`/clusters/${clusterId}`);
    await page.getByRole('region', { name: 'Apps' }).locator('[data-app="web"]').waitFor();
  });

  it('refuses a published port that is taken, beside the field', async () => {
    await page.goto('/apps/new');
    await page.getByLabel('Name', { exact: true }).fill('web-two');
    await page.getByLabel('Image', { exact: true }).fill(images.httpV1.name);
    await page.getByLabel('Published port').fill(String(publishedPort));
    // Both refusals come from the server (the zod rules pass), each beside its own field.
    await page.getByRole('button', { name: 'Create app' }).click();
    await page
      .locator('.field', { has: page.getByLabel('Port', { exact: true }) })
      .getByText('Is required with publishedPort')
      .waitFor();
    await page.getByLabel('Port', { exact: true }).fill('80');
    await page.getByRole('button', { name: 'Create app' }).click();
    const field = page.locator('.field', { has: page.getByLabel('Published port') });
    await field.getByText(`Port ${publishedPort} is already published on this cluster`).waitFor();
    expect(await page.getByLabel('Published port').getAttribute('aria-invalid')).toBe('true');
    await checkPage(page, 'apps-07b-create-server-refusal');
  });

  it('shows a line the app prints in its live log', async () => {
    await page.goto(`/apps/${appId}/logs`);
    await page
      .getByTestId('log-stream-state')
      .getByText('Live', { exact: true })
      .waitFor({ timeout: 30_000 });
    const log = page.getByRole('list', { name: 'App log' });
    // busybox httpd logs every request it serves (-vv), with the path asked for.
    const probe = `probe-${randomBytes(4).toString('hex')}`;
    const asked = Date.now();
    await Promise.all(
      testbed.hosts.map((host) =>
        fetch(`http://${host.host}:${publishedPort}/${probe}`, {
          signal: AbortSignal.timeout(3_000),
        }).catch(() => undefined),
      ),
    );
    await log.getByText(probe).first().waitFor({ timeout: 15_000 });
    console.log(`web: a request's log line in the page ${Date.now() - asked} ms after it`);
    await checkPage(page, 'apps-08-logs');
  });

  it('deploys version 2, then rolls back to version 1 from the history', async () => {
    await page.goto(`/apps/${appId}`);
    await page.getByLabel('Image to deploy').fill(images.httpV2.name);
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await page.getByText('Deployment #2 queued.').waitFor();

    await page.getByRole('link', { name: 'Deployments' }).click();
    const history = page.getByRole('region', { name: 'Deployment history' });
    await history
      .locator('[data-deployment="2"][data-status="active"]')
      .waitFor({ timeout: 180_000 });
    await servesVersion('v2');
    await history.locator('[data-deployment="1"][data-status="superseded"]').waitFor();
    await checkPage(page, 'apps-09-deployments');

    await history.getByRole('button', { name: 'Roll back to #1' }).click();
    const rollback = history.locator('[data-deployment="3"]');
    await rollback.getByText('rollback of #1').waitFor();
    await history
      .locator('[data-deployment="3"][data-status="active"]')
      .waitFor({ timeout: 180_000 });
    await history.locator('[data-deployment="2"][data-status="superseded"]').waitFor();
    // The same digest as #1 applied again: no rebuild, no new image.
    const digest = (n: number) =>
      history.locator(`[data-deployment="${n}"] td[data-label="Image"] .muted`).textContent();
    expect(await digest(3)).toBe(await digest(1));
    await servesVersion('v1');
    expect((await answers()).filter((answer) => answer === 'v2')).toEqual([]);
  }, 420_000);

  it('keeps secret values masked until revealed, audits the reveal, and applies env changes', async () => {
    await page.getByRole('link', { name: 'Environment' }).click();
    const greeting = page.locator('[data-env="GREETING"]');
    const secret = page.locator('[data-env="API_KEY"]');
    await greeting.waitFor();
    expect(await greeting.getByRole('textbox').last().inputValue()).toBe('hello');
    const secretValue = secret.locator('input[type="password"]');
    expect(await secretValue.inputValue()).toBe('');
    expect(await page.content()).not.toContain('s3cret-value');
    await checkPage(page, 'apps-10-env-masked');

    await page.getByRole('button', { name: 'Reveal secret values' }).click();
    await vi.waitFor(async () =>
      expect(await secret.getByRole('textbox').last().inputValue()).toBe('s3cret-value'),
    );
    await page.getByRole('button', { name: 'Hide secret values' }).click();
    expect(await secretValue.inputValue()).toBe('');

    await greeting.getByRole('textbox').last().fill('hi there');
    await page.getByRole('button', { name: 'Add variable' }).click();
    const rows = page.locator('.env-row');
    const added = rows.last();
    await added.getByRole('textbox').first().fill('EXTRA');
    await added.getByRole('textbox').last().fill('1');
    await page.getByRole('button', { name: 'Save environment' }).click();
    await page.getByText('Saved. The running tasks keep the old values').waitFor();
    // The change applies with the next deploy, without a rebuild; the secret is kept as it was.
    await page.getByRole('button', { name: 'Deploy now' }).click();
    await page.getByRole('button', { name: /Deployment #4 queued/ }).waitFor();
    await vi.waitFor(
      async () => {
        // Host mode: whichever server runs the task answers; its CGI prints the task's env.
        const served = await answers('/cgi-bin/env');
        const env = served.find((text) => text.includes('EXTRA=1'));
        expect(env, served.join('\n---\n')).toBeDefined();
        expect(env).toContain('GREETING=hi there');
        expect(env).toContain('API_KEY=s3cret-value');
      },
      { timeout: 180_000, interval: 1_000 },
    );

    // Reading the secret values is in the app's audit, with who did it.
    await page.getByRole('link', { name: 'Audit' }).click();
    const read = page.locator('[data-audit-action="env"]').first();
    await read.getByText('Read the secret env values (API_KEY)').waitFor();
    await read.getByText(owner.name).waitFor();
    expect(await page.locator('[data-audit-action="rollback"]').count()).toBe(1);
    await checkPage(page, 'apps-11-audit');
  }, 240_000);

  it('shows a deploy that fails with its reason, the previous one still serving', async () => {
    // What serves is read once the previous test's deploy (#4) has rolled out everywhere: read
    // mid-rollout, one server still answered the version #4 replaced (seen in CI).
    await page.getByRole('link', { name: 'Deployments' }).click();
    const history = page.getByRole('region', { name: 'Deployment history' });
    await history
      .locator('[data-deployment="4"][data-status="active"]')
      .waitFor({ timeout: 180_000 });
    const before = await answers();
    expect(before[0]).toMatch(/^v\d$/);
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByLabel('Image to deploy').fill(images.broken.name);
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await page.getByText('Deployment #5 queued.').waitFor();
    await page.getByRole('link', { name: 'Deployments' }).click();
    const failed = history.locator('[data-deployment="5"][data-status="failed"]');
    await failed.waitFor({ timeout: 240_000 });
    expect((await failed.locator('.deployment-reason').textContent())?.trim()).not.toBe('');
    await history.locator('[data-deployment="4"][data-status="active"]').waitFor();
    await servesVersion(before[0] as string);
    await checkPage(page, 'apps-12-deploy-failed');
  }, 300_000);

  it('scales from the page, and the servers follow', async () => {
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByLabel('Replicas', { exact: true }).fill('1');
    await page.getByRole('button', { name: 'Scale' }).click();
    await page.getByText('Scaling to 1').waitFor();
    await page.getByTestId('replicas-ready').getByText('1 of 1 ready').waitFor({ timeout: 60_000 });
    await vi.waitFor(async () => expect(await runningTasks('web')).toHaveLength(1), {
      timeout: 60_000,
      interval: 1_000,
    });
  }, 120_000);

  it('removes the app after confirmation, leaving nothing on the servers', async () => {
    await page.getByLabel('Type “web” to confirm').fill('web');
    await page.getByRole('button', { name: 'Remove app' }).click();
    await page.waitForURL((url) => url.pathname === '/apps');
    await page.getByText('No apps yet').waitFor({ timeout: 120_000 });
    const manager = testbed.hosts[0];
    if (!manager) throw new Error('no testbed');
    const services = await testbed.exec(manager.name, "docker service ls --format '{{.Name}}'");
    expect(services.stdout.trim()).toBe('');
    expect(await answers()).toEqual(['no answer', 'no answer']);
  }, 180_000);

  it('builds an uploaded source archive, its build log in the page', async () => {
    if (!scratch) throw new Error('no scratch folder');
    const source = join(scratch, 'site');
    await mkdir(join(source, 'public'), { recursive: true });
    await writeFile(join(source, 'public', 'index.html'), 'upload v1\n');
    const archive = join(scratch, 'site.tar.gz');
    await promisify(execFile)('tar', ['-czf', archive, '-C', source, '.']);

    await page.goto('/apps/new');
    await page.getByLabel('Upload a source archive').check();
    await page.getByLabel('Name', { exact: true }).fill('site');
    await page.getByLabel('Source archive', { exact: true }).setInputFiles(archive);
    await page
      .getByLabel('Build command')
      .fill('cp public/index.html /www/index.html && echo "copied the page"');
    await page.getByLabel('Port', { exact: true }).fill('80');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.waitForURL((url) => /^\/apps\/app_[^/]+\/deployments$/.test(url.pathname));

    const buildLog = page.getByRole('list', { name: 'Build log lines' });
    // The command's own output line (the step line that runs it quotes the same words).
    await buildLog.getByText('copied the page', { exact: true }).waitFor({ timeout: 240_000 });
    const history = page.getByRole('region', { name: 'Deployment history' });
    await history
      .locator('[data-deployment="1"][data-status="active"]')
      .waitFor({ timeout: 240_000 });
    await checkPage(page, 'apps-13-upload-built');
    await page.getByRole('link', { name: 'Overview' }).click();
    publishedPort = Number(await page.getByTestId('published-port').textContent());
    await servesVersion('upload v1');
  }, 420_000);
});
