// One user's first hour with Flotilla, in real Chromium against the real API: first-run sign-up,
// an SSH key, an API token, a teammate, a cluster on their own servers whose status and log
// change live, its nodes, grants, rename and deletion. Each page is screenshotted and checked
// with axe-core at desktop and phone widths.
import { newId } from '@flotilla/db';
import { appendLog, transitionCluster, transitionNode } from '@flotilla/lifecycle';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessibilityProblems,
  type Dashboard,
  desktop,
  overflowsHorizontally,
  phone,
  screenshot,
  startDashboard,
} from './harness.ts';

const owner = { name: 'Ada Owner', email: 'ada@example.test', password: 'correct horse battery' };
const teammate = { name: 'Tom Mate', email: 'tom@example.test', password: 'staple battery horse' };

/** Screenshot plus axe: every page a user can reach goes through here. */
async function checkPage(page: Page, name: string) {
  await screenshot(page, name);
  expect(await accessibilityProblems(page), `${name}: axe serious/critical findings`).toEqual([]);
}

describe('dashboard', () => {
  let dashboard: Dashboard;
  let page: Page;
  let clusterId: string;

  beforeAll(async () => {
    dashboard = await startDashboard();
    page = await dashboard.newPage();
  });

  afterAll(async () => {
    await dashboard?.close();
  });

  it('sends a visitor to sign in, and a new installation to create its first account', async () => {
    await page.goto('/clusters');
    await page.waitForURL('**/sign-in');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await checkPage(page, '01-sign-in');

    await page.getByRole('link', { name: 'Create the first account' }).click();
    await page.waitForURL('**/register');
    await page.getByRole('button', { name: 'Create account' }).click();
    // The same zod rules as the API, shown beside each field before anything is sent.
    await page.getByText('Is required').first().waitFor();
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('Must be at least 10 characters').waitFor();
    await checkPage(page, '02-register-validation');

    await page.getByLabel('Your name').fill(owner.name);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByLabel('Organization name').fill('Acme Platform');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/clusters');
    await page.getByText('No clusters yet').waitFor();
    expect(await page.getByLabel('Organization').inputValue()).toMatch(/^org_/);
    await checkPage(page, '03-clusters-empty');
  });

  it('shows the API’s own message when a second sign-up is refused', async () => {
    const stranger = await dashboard.newPage();
    await stranger.goto('/register');
    await stranger.getByLabel('Your name').fill('Eve');
    await stranger.getByLabel('Email').fill('eve@example.test');
    await stranger.getByLabel('Password').fill('long enough password');
    await stranger.getByRole('button', { name: 'Create account' }).click();
    await stranger.getByRole('alert').getByText('Sign-up is closed').waitFor();
    // Once an account exists, sign-in stops offering to create the first one.
    const statusAnswered = stranger.waitForResponse((res) => res.url().includes('auth.status'));
    await stranger.goto('/sign-in');
    await statusAnswered;
    await stranger.getByText('Invited? Open the link from your invitation.').waitFor();
    await stranger.waitForTimeout(200);
    expect(await stranger.getByRole('link', { name: 'Create the first account' }).count()).toBe(0);
  });

  it('generates an SSH key', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'SSH keys' }).click();
    await page.waitForURL('**/settings/ssh-keys');
    await page.getByText('No SSH keys yet').waitFor();
    await page.getByLabel('Import a private key').check();
    await page.getByLabel('Key name').fill('pasted');
    await page
      .getByLabel('Private key', { exact: true })
      .fill('ssh-ed25519 AAAAC3Nza… (a public key by mistake)');
    await page.getByRole('button', { name: 'Import key' }).click();
    await page.getByText('Must be a PEM/OpenSSH private key').waitFor();
    await page.getByLabel('Generate a new Ed25519 key').check();
    await page.getByLabel('Key name').fill('deploy');
    await page.getByRole('button', { name: 'Generate key' }).click();
    const key = page.locator('[data-ssh-key="deploy"]');
    await key.waitFor();
    expect(await key.locator('textarea').inputValue()).toMatch(/^ssh-ed25519 AAAA/);
    expect(await key.textContent()).toMatch(/SHA256:/);
    await checkPage(page, '04-settings-ssh-keys');
  });

  it('stores cloud credentials without ever showing the secret again', async () => {
    const secret = 'dop_v1_0123456789abcdef0123456789abcdefWXYZ';
    await page.getByRole('link', { name: 'Provider credentials' }).click();
    await page.getByText('No cloud credentials yet').waitFor();
    await page.getByLabel('API token').fill('too-short');
    await page.getByRole('button', { name: 'Save credentials' }).click();
    await page.getByText('personal access token (dop_v1_…) is required').waitFor();
    await page.getByLabel('Name').fill('team');
    await page.getByLabel('API token').fill(secret);
    await page.getByRole('button', { name: 'Save credentials' }).click();
    const row = page.locator('[data-credential="team"]');
    await row.getByText('…WXYZ').waitFor();
    expect(await page.content()).not.toContain(secret);
    await checkPage(page, '05-settings-credentials');
  });

  it('creates an API token, shows it once, and revokes it', async () => {
    await page.getByRole('link', { name: 'API tokens' }).click();
    await page.getByLabel('Token name').fill('ci-deploy');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = await page.getByTestId('once-secret').textContent();
    expect(secret?.length).toBeGreaterThan(20);
    await page.locator('[data-token="ci-deploy"]').waitFor();
    await checkPage(page, '06-settings-tokens');

    // The token works against the plain HTTP API…
    const me = await fetch(`${dashboard.url}/api/auth.me`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(me.status).toBe(200);

    // …is never shown again after a reload…
    await page.reload();
    await page.locator('[data-token="ci-deploy"]').waitFor();
    expect(await page.getByTestId('once-secret').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);

    // …and stops working once revoked.
    await page.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('button', { name: 'Revoke ci-deploy' }).click();
    await page.getByText('No API tokens yet').waitFor();
    const after = await fetch(`${dashboard.url}/api/auth.me`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(after.status).toBe(401);
  });

  it('invites a teammate who joins through the link', async () => {
    await page.getByRole('link', { name: 'Members' }).click();
    await page.locator('main').getByLabel('Email').fill(teammate.email);
    await page.getByRole('button', { name: 'Create invitation' }).click();
    const link = await page.getByTestId('once-secret').textContent();
    expect(link).toContain('/invite?token=');
    await checkPage(page, '07-settings-members');

    const other = await dashboard.newPage();
    await other.goto(link ?? '');
    await other.getByRole('heading', { name: 'Join your team' }).waitFor();
    await checkPage(other, '08-accept-invite');
    await other.getByLabel('Your name').fill(teammate.name);
    await other.getByLabel('Password').fill(teammate.password);
    await other.getByRole('button', { name: 'Accept invitation' }).click();
    await other.waitForURL('**/clusters');
    await other.getByText('No clusters yet').waitFor();

    await page.reload();
    await page.getByRole('cell', { name: teammate.email }).waitFor();
  });

  it('validates a new cluster with the API’s rules, then shows it at once in provisioning', async () => {
    await page.getByRole('link', { name: 'Clusters' }).click();
    await page.getByRole('link', { name: 'New cluster' }).click();
    await page.waitForURL('**/clusters/new');
    // Cloud providers offer the regions and plan sizes of the shared catalog.
    await page.getByLabel('Region').selectOption('fra1');
    expect(await page.getByLabel('Credentials').inputValue()).toMatch(/^pcred_/);
    expect(await page.getByLabel('Managers: plan').textContent()).toContain('s-2vcpu-4gb');
    await checkPage(page, '09-create-cluster-cloud');
    await page.getByLabel('My own servers (SSH)').check();
    await page.getByLabel('Name', { exact: true }).fill('Prod Cluster');
    await page.getByLabel('Server 1 address').fill('300.1.2.3');
    await page.getByRole('button', { name: 'Create cluster' }).click();
    await page.getByText('Lower-case letters, digits and inner hyphens only').waitFor();
    await page.getByText('Must be an IPv4 or IPv6 address or a DNS name').waitFor();
    await checkPage(page, '10-create-cluster-validation');

    await page.getByLabel('Name', { exact: true }).fill('web-e2e');
    await page.getByLabel('Server 1 address').fill('127.0.0.1');
    await page.getByLabel('Server 1 SSH port').fill('2201');
    await page.getByRole('button', { name: 'Add a server' }).click();
    await page.getByLabel('Server 2 address').fill('127.0.0.2');
    await page.getByRole('button', { name: 'Create cluster' }).click();

    await page.waitForURL((url) => /^\/clusters\/(?!new$)[^/]+$/.test(url.pathname));
    clusterId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    await page.getByRole('heading', { name: /web-e2e/ }).waitFor();
    expect(await page.locator('h1 [data-status]').getAttribute('data-status')).toBe('provisioning');
    expect(await page.locator('[data-node]').count()).toBe(2);
    await page.getByText('Live', { exact: true }).waitFor();
    await checkPage(page, '11-cluster-provisioning');
  });

  it('follows status changes and log lines live, without reloading', async () => {
    const nodes = await dashboard.db.node.findMany({
      where: { clusterId },
      orderBy: { ordinal: 'asc' },
    });
    const [first, second] = nodes;
    if (!first || !second) throw new Error('expected two nodes');
    // Exactly what the worker does: lifecycle transitions and log lines, announced by Postgres.
    await appendLog(dashboard.db, {
      clusterId,
      nodeId: first.id,
      step: 'ssh.wait',
      message: 'reachable on 127.0.0.1:2201',
    });
    await appendLog(dashboard.db, {
      clusterId,
      nodeId: second.id,
      step: 'swarm.join',
      message: 'joined as worker',
    });
    await appendLog(dashboard.db, { clusterId, step: 'cluster.ready', message: 'all nodes up' });
    await transitionNode(dashboard.db, first.id, 'running', 'swarm manager ready');
    await transitionNode(dashboard.db, second.id, 'running', 'joined');
    await transitionCluster(dashboard.db, clusterId, 'running', 'all nodes ready');

    await page.locator('h1 [data-status="running"]').waitFor();
    await page.locator(`[data-node="${first.name}"] [data-status="running"]`).waitFor();
    const log = page.getByRole('list', { name: 'Log lines' });
    await log.getByText('reachable on 127.0.0.1:2201').waitFor();
    await log.getByText('joined as worker').waitFor();

    await page.getByLabel('Show').selectOption(second.id);
    await expect.poll(() => log.locator('li').count()).toBe(1);
    expect(await log.textContent()).toContain('joined as worker');
    await page.getByLabel('Show').selectOption('');
    await expect.poll(() => log.locator('li').count()).toBe(3);
    await checkPage(page, '12-cluster-running');
  });

  it('keeps following after the event stream is cut', async () => {
    dashboard.dropConnections();
    await appendLog(dashboard.db, {
      clusterId,
      step: 'health',
      message: 'still here after the cut',
    });
    await page
      .getByRole('list', { name: 'Log lines' })
      .getByText('still here after the cut')
      .waitFor({ timeout: 20_000 });
    await page.getByText('Live', { exact: true }).waitFor();
  });

  it('lists the cluster with a live badge, search and sort', async () => {
    await page.getByRole('link', { name: 'Clusters' }).first().click();
    const row = page.locator('[data-cluster="web-e2e"]');
    await row.locator('[data-status="running"]').waitFor();
    expect(await row.getByRole('cell').nth(4).textContent()).toBe('2');
    await page.getByLabel('Search', { exact: true }).fill('no-such-cluster');
    await page.getByText('No cluster matches these filters').waitFor();
    await page.getByLabel('Search', { exact: true }).fill('web');
    await row.waitFor();
    await page.getByRole('button', { name: 'Name' }).click();
    await page.locator('th[aria-sort="ascending"]', { hasText: 'Name' }).waitFor();
    await checkPage(page, '13-clusters');

    await transitionCluster(dashboard.db, clusterId, 'degraded', 'a node went away');
    await row.locator('[data-status="degraded"]').waitFor({ timeout: 20_000 });
    await transitionCluster(dashboard.db, clusterId, 'running', 'back');
    await row.locator('[data-status="running"]').waitFor({ timeout: 20_000 });
  });

  it('pages through the list with the API’s page and limit', async () => {
    // 20 more clusters through the plain HTTP API, as a script would create them.
    const token = await page.evaluate(() => window.localStorage.getItem('flotilla.token'));
    const organizationId = await page.getByLabel('Organization').inputValue();
    const sshKey = await dashboard.db.sshKey.findFirstOrThrow({ where: { organizationId } });
    for (let i = 1; i <= 20; i++) {
      const reply = await fetch(`${dashboard.url}/api/cluster.create`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          organizationId,
          name: `batch-${String(i).padStart(2, '0')}`,
          provider: 'ssh',
          orchestrator: 'swarm',
          sshKeyId: sshKey.id,
          nodes: [{ role: 'manager', host: `127.0.1.${i}` }],
        }),
      });
      expect(reply.status).toBe(201);
    }
    await page.getByLabel('Search', { exact: true }).fill('');
    await page.locator('[data-cluster="batch-01"]').waitFor();
    expect(await page.locator('[data-cluster]').count()).toBe(20);
    expect(await page.locator('[data-cluster="web-e2e"]').count()).toBe(0);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Page 2').waitFor();
    await page.locator('[data-cluster="web-e2e"]').waitFor();
    expect(await page.locator('[data-cluster]').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous' }).click();
    await page.locator('[data-cluster="batch-01"]').waitFor();
    await page.getByRole('button', { name: 'Name' }).click();
    await page.locator('th[aria-sort="descending"]', { hasText: 'Name' }).waitFor();
    await page.getByLabel('Search', { exact: true }).fill('');
    await page.getByLabel('Status').selectOption('running');
    await expect.poll(() => page.locator('[data-cluster]').count()).toBe(1);
    await page.locator('[data-cluster="web-e2e"]').waitFor();
    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Search', { exact: true }).fill('web-e2e');
    await page.locator('[data-cluster="web-e2e"]').waitFor();
  });

  it('adds and removes nodes, grants and revokes access, renames', async () => {
    await page.locator('[data-cluster="web-e2e"]').getByRole('link').click();
    await page.getByRole('heading', { name: /web-e2e/ }).waitFor();

    await page.getByLabel('Server address').fill('127.0.0.3');
    await page.getByRole('button', { name: 'Add node' }).click();
    await expect.poll(() => page.locator('[data-node]').count()).toBe(3);

    const added = page.locator('[data-node]').last();
    const addedName = await added.getAttribute('data-node');
    await added.getByRole('button', { name: 'Remove' }).click();
    await added.getByRole('button', { name: `Remove ${addedName}` }).click();
    await added.locator('[data-status="deleting"]').waitFor();

    await page.getByLabel('Member email').fill(teammate.email);
    await page.getByRole('button', { name: 'Grant' }).click();
    const grant = page.locator(`[data-grant="${teammate.email}"]`);
    await grant.waitFor();
    await checkPage(page, '14-cluster-nodes-access');
    await grant.getByRole('button', { name: 'Revoke' }).click();
    await grant.getByRole('button', { name: `Revoke ${teammate.email}` }).click();
    await grant.waitFor({ state: 'detached' });

    await page.getByLabel('Cluster name').fill('Bad Name');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByText('Lower-case letters, digits and inner hyphens only').waitFor();
    await page.getByLabel('Cluster name').fill('web-e2e-renamed');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('heading', { name: /web-e2e-renamed/ }).waitFor();
  });

  it('works at phone width without sideways scrolling', async () => {
    const small = await dashboard.newPage(phone);
    const token = await page.evaluate(() => window.localStorage.getItem('flotilla.token'));
    await small.goto('/sign-in');
    await small.evaluate(
      (value) => window.localStorage.setItem('flotilla.token', value ?? ''),
      token,
    );
    for (const [path, name] of [
      ['/clusters', 'phone-1-clusters'],
      [`/clusters/${clusterId}`, 'phone-2-cluster'],
      ['/clusters/new', 'phone-3-create-cluster'],
      ['/settings/audit', 'phone-4-audit'],
    ] as const) {
      await small.goto(path);
      await small.locator('main h1').waitFor();
      await small
        .getByRole('status')
        .filter({ hasText: 'Loading' })
        .first()
        .waitFor({ state: 'detached' });
      expect(await overflowsHorizontally(small), `${path} scrolls sideways`).toBe(false);
      if (path === '/clusters') {
        // The sort buttons live in the folded-away header: phones sort from a select.
        await small.getByLabel('Sort by').selectOption('name:asc');
        await expect
          .poll(() => small.locator('[data-cluster]').first().getAttribute('data-cluster'), {
            // A loaded CI machine can take seconds to re-query and re-render.
            timeout: 15_000,
          })
          .toBe('batch-01');
      }
      await checkPage(small, name);
    }
  });

  it('keeps its contrast in the dark colour scheme', async () => {
    const dark = await dashboard.newPage(desktop, { colorScheme: 'dark' });
    const token = await page.evaluate(() => window.localStorage.getItem('flotilla.token'));
    await dark.goto('/sign-in');
    await dark.evaluate(
      (value) => window.localStorage.setItem('flotilla.token', value ?? ''),
      token,
    );
    await dark.goto(`/clusters/${clusterId}`);
    await dark.getByRole('list', { name: 'Log lines' }).waitFor();
    await checkPage(dark, 'dark-cluster');
  });

  it('says so, with a way to retry, when the API cannot be reached', async () => {
    const offline = await dashboard.newPage();
    const token = await page.evaluate(() => window.localStorage.getItem('flotilla.token'));
    await offline.goto('/sign-in');
    await offline.evaluate(
      (value) => window.localStorage.setItem('flotilla.token', value ?? ''),
      token,
    );
    await offline.route('**/trpc/**', (route) => route.abort('connectionrefused'));
    await offline.goto('/clusters');
    const alert = offline.getByRole('alert');
    await alert.getByText('Cannot reach the Flotilla API').waitFor();
    await checkPage(offline, 'api-unreachable');
    await offline.unroute('**/trpc/**');
    await alert.getByRole('button', { name: 'Try again' }).click();
    await offline.locator('main h1', { hasText: 'Clusters' }).waitFor();
  });

  it('records every change in the audit log', async () => {
    await page.goto('/settings/audit');
    await page.locator('[data-action="cluster.create"]').first().waitFor();
    await page.locator('[data-action="sshKey.generate"]').waitFor();
    await checkPage(page, '15-settings-audit');
  });

  it('deletes the cluster only after its name is typed', async () => {
    await page.goto(`/clusters/${clusterId}`);
    const confirm = page.getByLabel('Type “web-e2e-renamed” to confirm');
    const remove = page.getByRole('button', { name: 'Delete cluster' });
    await confirm.fill('web-e2e');
    expect(await remove.isDisabled()).toBe(true);
    await confirm.fill('web-e2e-renamed');
    await remove.click();
    await page.waitForURL('**/clusters');
    await page.getByLabel('Search', { exact: true }).fill('renamed');
    await page
      .locator('[data-cluster="web-e2e-renamed"] [data-status="deleting"]')
      .waitFor({ timeout: 20_000 });
  });

  it('downloads a Kubernetes cluster’s kubeconfig once the worker has stored it', async () => {
    const token = await page.evaluate(() => window.localStorage.getItem('flotilla.token'));
    const organizationId = await page.getByLabel('Organization').inputValue();
    const sshKey = await dashboard.db.sshKey.findFirstOrThrow({ where: { organizationId } });
    const reply = await fetch(`${dashboard.url}/api/cluster.create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        organizationId,
        name: 'kube-e2e',
        provider: 'ssh',
        orchestrator: 'kubernetes',
        sshKeyId: sshKey.id,
        nodes: [{ role: 'manager', host: '127.0.2.1' }],
      }),
    });
    const kubeId = (await reply.json()).result.data.id as string;
    await page.goto(`/clusters/${kubeId}`);
    await page.getByRole('button', { name: 'Download kubeconfig' }).click();
    await page.getByRole('alert').getByText('not ready yet').waitFor();

    // What the worker stores after k3s is up: the admin kubeconfig, sealed for this cluster.
    const kubeconfig = 'apiVersion: v1\nkind: Config\nclusters:\n- name: kube-e2e\n';
    await dashboard.db.cluster.update({
      where: { id: kubeId },
      data: {
        kubeconfigEncrypted: dashboard.sealer.seal(kubeconfig, `cluster-kubeconfig:${kubeId}`),
      },
    });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download kubeconfig' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('kube-e2e.kubeconfig.yaml');
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe(kubeconfig);
  });

  it('switches between the organizations the user belongs to', async () => {
    const user = await dashboard.db.user.findUniqueOrThrow({ where: { email: owner.email } });
    const other = await dashboard.db.organization.create({
      data: { id: newId('org'), name: 'Side Project', slug: `side-${Date.now()}` },
    });
    await dashboard.db.membership.create({
      data: { id: newId('mem'), organizationId: other.id, userId: user.id, role: 'member' },
    });
    await page.goto('/clusters');
    const acme = await page.getByLabel('Organization').inputValue();
    await page.locator('[data-cluster="kube-e2e"]').waitFor();
    await page.getByLabel('Organization').selectOption({ label: 'Side Project' });
    await page.getByText('No clusters yet').waitFor();
    await page.reload();
    expect(await page.getByLabel('Organization').inputValue()).toBe(other.id);
    await page.getByLabel('Organization').selectOption(acme);
    await page.locator('[data-cluster="kube-e2e"]').waitFor();
  });

  it('can be driven from the keyboard alone', async () => {
    const keyboard = await dashboard.newPage();
    await keyboard.goto('/sign-in');
    await keyboard.getByRole('heading', { name: 'Sign in' }).waitFor();
    await keyboard.keyboard.press('Tab');
    expect(await keyboard.evaluate(() => document.activeElement?.getAttribute('name'))).toBe(
      'email',
    );
    await keyboard.keyboard.type(teammate.email);
    await keyboard.keyboard.press('Tab');
    await keyboard.keyboard.type(teammate.password);
    await keyboard.keyboard.press('Enter');
    await keyboard.waitForURL('**/clusters');
    // First stop on every signed-in page: the skip link, then the main navigation.
    await keyboard.keyboard.press('Tab');
    expect(await keyboard.evaluate(() => document.activeElement?.textContent)).toBe(
      'Skip to content',
    );
    // Then the brand, then each link of the main navigation in order, up to Settings.
    await keyboard.keyboard.press('Tab');
    expect(await keyboard.evaluate(() => document.activeElement?.textContent)).toBe('Flotilla');
    const navigation = await keyboard
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link')
      .allTextContents();
    expect(navigation).toContain('Settings');
    for (const label of navigation.slice(0, navigation.indexOf('Settings') + 1)) {
      await keyboard.keyboard.press('Tab');
      expect(await keyboard.evaluate(() => document.activeElement?.textContent)).toBe(label);
    }
    await keyboard.keyboard.press('Enter');
    await keyboard.waitForURL('**/settings/tokens');
    expect(await keyboard.evaluate(() => document.activeElement?.id)).toBe('main');
  });

  it('signs out, refuses a wrong password with the API’s message, and signs back in', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/sign-in');
    expect(await page.evaluate(() => window.localStorage.getItem('flotilla.token'))).toBeNull();
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Invalid email or password').waitFor();
    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/clusters');
    await page.locator('[data-cluster="batch-20"]').waitFor();
  });
});
