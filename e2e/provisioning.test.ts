// The whole way through, as a user sees it: real worker process, real test servers (network
// namespaces with sshd and dockerd), real SSH and Docker Swarm. The dashboard shows the cluster
// go from provisioning to running live, a node leave, and the cluster go away.
import { createTestbed, type Testbed } from '@flotilla/testbed';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityProblems, type Dashboard, screenshot, startDashboard } from './harness.ts';

const owner = { name: 'Pat Ops', email: 'pat@example.test', password: 'correct horse battery' };

describe('provisioning from the dashboard', () => {
  let dashboard: Dashboard;
  let testbed: Testbed | undefined;
  let page: Page;

  beforeAll(async () => {
    dashboard = await startDashboard({ engine: true });
    page = await dashboard.newPage();
  });

  /** Nodes of the swarm as its first manager sees them. */
  async function swarmMembers(): Promise<number> {
    const first = testbed?.hosts[0];
    if (!testbed || !first) throw new Error('no testbed');
    const nodes = await testbed.exec(first.name, "docker node ls --format '{{.Hostname}}'");
    return nodes.stdout.trim().split('\n').filter(Boolean).length;
  }

  afterAll(async () => {
    await dashboard?.close();
    await testbed?.destroy();
  });

  it('builds a three-node swarm on the user’s own servers and shows it live', async () => {
    await page.goto('/register');
    await page.getByLabel('Your name').fill(owner.name);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/clusters');

    await page.goto('/settings/ssh-keys');
    await page.getByLabel('Key name').fill('fleet');
    await page.getByRole('button', { name: 'Generate key' }).click();
    const publicKey = await page.locator('[data-ssh-key="fleet"] textarea').inputValue();
    testbed = await createTestbed({ hosts: 3, authorizedKeys: [publicKey] });

    await page.goto('/clusters/new');
    await page.getByLabel('My own servers (SSH)').check();
    await page.getByLabel('Name', { exact: true }).fill('fleet');
    for (const [index, host] of testbed.hosts.entries()) {
      if (index > 0) await page.getByRole('button', { name: 'Add a server' }).click();
      await page.getByLabel(`Server ${index + 1} address`).fill(host.host);
    }
    await page.getByRole('button', { name: 'Create cluster' }).click();
    await page.waitForURL((url) => /^\/clusters\/(?!new$)[^/]+$/.test(url.pathname));
    await page.locator('h1 [data-status="provisioning"]').waitFor();
    await page.getByText('Live', { exact: true }).waitFor();

    const started = Date.now();
    await page.locator('h1 [data-status="running"]').waitFor({ timeout: 240_000 });
    console.log(`fleet: provisioning -> running in ${Date.now() - started} ms (seen live)`);
    const log = page.getByRole('list', { name: 'Log lines' });
    await log.getByText(/swarm/i).first().waitFor();
    expect(await page.locator('[data-node] [data-status="running"]').count()).toBe(3);
    // What the page says is what the servers say.
    expect(await swarmMembers()).toBe(3);
    await screenshot(page, 'e2e-1-running');
    expect(await accessibilityProblems(page)).toEqual([]);
  });

  it('removes a worker node', async () => {
    const worker = page.locator('[data-node]').last();
    const name = await worker.getAttribute('data-node');
    await worker.getByRole('button', { name: 'Remove' }).click();
    await worker.getByRole('button', { name: `Remove ${name}` }).click();
    await page.locator(`[data-node="${name}"]`).waitFor({ state: 'detached', timeout: 120_000 });
    expect(await swarmMembers()).toBe(2);
    await screenshot(page, 'e2e-2-node-removed');
  });

  it('deletes the cluster', async () => {
    const confirm = page.getByLabel('Type “fleet” to confirm');
    await confirm.fill('fleet');
    await page.getByRole('button', { name: 'Delete cluster' }).click();
    await page.waitForURL('**/clusters');
    await page.getByText('No clusters yet').waitFor({ timeout: 120_000 });
    const first = testbed?.hosts[0];
    if (!first) throw new Error('no testbed');
    const state = await testbed?.exec(
      first.name,
      "docker info --format '{{.Swarm.LocalNodeState}}'",
    );
    expect(state?.stdout.trim()).toBe('inactive');
  });
});
