// The platform page's parts in the dashboard, on real test servers: the home page's numbers
// (running tasks counted on the servers), a node drained and activated from the cluster page
// (seen on the servers), and a template installed from the gallery through the form generated
// from its variables — a broken value named beside its field, then the page served.
import { createTestbed, type Testbed } from '@flotilla/testbed';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from '../packages/deploy/test/http.ts';
import { accessibilityProblems, type Dashboard, screenshot, startDashboard } from './harness.ts';

const owner = {
  name: 'Pat Platform',
  email: 'pat@example.test',
  password: 'correct horse battery',
};

describe('the platform page’s parts in the dashboard', () => {
  let dashboard: Dashboard;
  let testbed: Testbed | undefined;
  let page: Page;
  let registry: string;

  /** What the managers say of a server: Active, Pause or Drain. */
  async function availability(hostname: string): Promise<string | undefined> {
    const first = testbed?.hosts[0];
    if (!testbed || !first) throw new Error('no testbed');
    const out = await testbed.exec(
      first.name,
      "docker node ls --format '{{.Hostname}} {{.Availability}}'",
    );
    return out.stdout
      .split('\n')
      .find((line) => line.startsWith(`${hostname} `))
      ?.split(' ')[1];
  }

  beforeAll(async () => {
    // The testbed has no IPVS: a published port answers in host mode only.
    dashboard = await startDashboard({ engine: true, env: { APP_PUBLISH_MODE: 'host' } });
    page = await dashboard.newPage();
    await page.goto('/register');
    await page.getByLabel('Your name').fill(owner.name);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/clusters');
    await page.goto('/settings/ssh-keys');
    await page.getByLabel('Key name').fill('ops');
    await page.getByRole('button', { name: 'Generate key' }).click();
    const publicKey = await page.locator('[data-ssh-key="ops"] textarea').inputValue();
    testbed = await createTestbed({ hosts: 2, authorizedKeys: [publicKey] });
    const [a, b] = testbed.hosts;
    if (!a || !b) throw new Error('testbed has too few hosts');
    const run = async (host: string, command: string) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const out = await testbed!.exec(host, command);
        if (out.code === 0) return out.stdout.trim();
        if (Date.now() > deadline) throw new Error(`${command}: ${out.stderr.trim()}`);
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
    };
    const inSwarm = `docker info --format '{{.Swarm.LocalNodeState}}' | grep -qx active`;
    await run(a.name, `${inSwarm} || docker swarm init --advertise-addr ${a.host}`);
    const token = await run(a.name, 'docker swarm join-token -q worker');
    await run(b.name, `${inSwarm} || docker swarm join --token ${token} ${a.host}:2377`);
    registry = (await testbed.images()).echo.name.split('/')[0] as string;
    // The swarm adopted, as the stacks tests do it from the dashboard.
    await page.goto('/clusters/adopt');
    await page.getByLabel('Name in Flotilla').fill('lab');
    await page.getByLabel('Manager address').fill(a.host);
    await page.getByLabel('SSH key').selectOption({ label: 'ops' });
    await page.getByRole('button', { name: 'Adopt cluster' }).click();
    await page.waitForURL((url) => /^\/clusters\/(?!adopt$)[^/]+$/.test(url.pathname));
    await page.locator('h1 [data-status="running"]').waitFor({ timeout: 30_000 });
  }, 300_000);

  afterAll(async () => {
    await dashboard?.close();
    await testbed?.destroy();
  });

  it('drains a node from the cluster page, and activates it again', async () => {
    const worker = testbed!.hosts[1]!;
    const row = page.locator('[data-node]', { hasText: worker.host });
    await row.getByRole('button', { name: /^Drain / }).click();
    await row.locator('[data-status="draining"]').waitFor();
    // Applied on the servers by the job, then read back.
    await row
      .getByText('(applying on the servers…)')
      .waitFor({ state: 'detached', timeout: 60_000 });
    expect(await availability(worker.name)).toBe('Pause');
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'platform-1-node-drained');
    await row.getByRole('button', { name: /^Activate / }).click();
    await row.locator('[data-status="ready"]').waitFor({ timeout: 60_000 });
    await row
      .getByText('(applying on the servers…)')
      .waitFor({ state: 'detached', timeout: 60_000 });
    expect(await availability(worker.name)).toBe('Active');
  }, 180_000);

  it('installs the static site from the gallery: a broken value named, then served', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Templates' })
      .click();
    await page.waitForURL('**/templates');
    // The gallery arrives with its query, after the page itself.
    await expect.poll(() => page.locator('[data-template]').count()).toBe(3);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'platform-2-gallery');
    await page.getByRole('link', { name: 'Install Static site' }).click();
    await page.waitForURL('**/templates/static-site');
    await page.getByLabel('Registry').fill(registry);
    await page.getByLabel('App name').fill('Not A Name');
    await page.getByLabel('Page title (optional)').fill('Hello <lab>');
    await page.getByRole('button', { name: 'Install Static site' }).click();
    const nameError = page.locator('.field-invalid', { hasText: 'App name' });
    await nameError.getByText(/lower-case letters, digits and dashes/).waitFor();
    expect(await dashboard.db.app.count()).toBe(0);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'platform-3-form-refused');

    await page.getByLabel('App name').fill('hello');
    await page.getByRole('button', { name: 'Install Static site' }).click();
    await page.getByRole('heading', { name: 'Installed' }).waitFor({ timeout: 30_000 });
    const app = await dashboard.db.app.findFirstOrThrow({
      where: { name: 'hello' },
      include: { publishedPort: true },
    });
    const port = app.publishedPort?.port as number;
    const hosts = testbed!.hosts.map((h) => h.host);
    const deadline = Date.now() + 180_000;
    let page_: string | undefined;
    while (!page_ && Date.now() < deadline) {
      for (const host of hosts) {
        const answer = await get(host, port).catch(() => undefined);
        if (answer?.status === 200) page_ = answer.body;
      }
      if (!page_) await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(page_).toContain('<title>Hello &lt;lab&gt;</title>');
    await screenshot(page, 'platform-4-installed');
    await page.getByRole('link', { name: 'hello' }).click();
    await page.waitForURL(`**/apps/${app.id}`);
  }, 300_000);

  it('shows the organization’s numbers on the home page, tasks counted on the servers', async () => {
    await page.goto('/clusters');
    const numbers = page.locator('.platform-numbers');
    await numbers.locator('[data-stat="Clusters"] .platform-number').getByText('1').waitFor();
    await numbers.locator('[data-stat="Nodes"] .platform-number').getByText('2').waitFor();
    await numbers.locator('[data-stat="Apps"] .platform-number').getByText('1').waitFor();
    // The site's one task, as the managers list it (each count is kept 15 s).
    await numbers
      .locator('[data-stat="Running tasks"] .platform-number')
      .getByText('1', { exact: true })
      .waitFor({ timeout: 45_000 });
    await numbers.getByText('counted on the servers').waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'platform-5-home-numbers');
  }, 120_000);
});
