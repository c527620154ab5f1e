// The administration page in real Chromium against the API and a worker process: the control
// plane's own nodes with their heartbeats, pinning a cluster's jobs to a worker (set, change,
// delete), instance administrators; and a user who is not one never sees it.
import { newId } from '@flotilla/db';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessibilityProblems,
  type Dashboard,
  overflowsHorizontally,
  phone,
  screenshot,
  startDashboard,
} from './harness.ts';

const admin = { name: 'Ida Admin', email: 'ida@example.test', password: 'correct horse battery' };
const teammate = { name: 'Tom Mate', email: 'tom@example.test', password: 'staple battery horse' };

async function checkPage(page: Page, name: string) {
  await screenshot(page, name);
  expect(await accessibilityProblems(page), `${name}: axe serious/critical findings`).toEqual([]);
}

async function post<T>(dashboard: Dashboard, procedure: string, body: unknown, token?: string) {
  const res = await fetch(`${dashboard.url}/api/${procedure}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${procedure}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { result: { data: T } }).result.data;
}

async function signIn(page: Page, user: { email: string; password: string }) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/clusters');
}

describe('administration', () => {
  let dashboard: Dashboard;
  let page: Page;
  let clusterId: string;

  beforeAll(async () => {
    dashboard = await startDashboard({ engine: true });
    // The first user of the instance administers it.
    const registered = await post<{ token: string; organization: { id: string } }>(
      dashboard,
      'auth.register',
      { ...admin, organizationName: 'Acme Platform' },
    );
    // A cluster in the list (written as the API would; no worker needs to reach it here).
    clusterId = newId('cls');
    await dashboard.db.cluster.create({
      data: {
        id: clusterId,
        organizationId: registered.organization.id,
        name: 'private-dc',
        provider: 'ssh',
        region: 'own',
        orchestrator: 'swarm',
        status: 'running',
      },
    });
    const invitation = await post<{ token: string }>(
      dashboard,
      'organization.invite',
      { organizationId: registered.organization.id, email: teammate.email, role: 'owner' },
      registered.token,
    );
    await post(dashboard, 'auth.acceptInvite', {
      token: invitation.token,
      name: teammate.name,
      password: teammate.password,
    });
    page = await dashboard.newPage();
    await signIn(page, admin);
  });

  afterAll(async () => {
    await dashboard?.close();
  });

  it('lists the API and the worker as nodes, online, with their heartbeat', async () => {
    await page.getByRole('link', { name: 'Administration' }).click();
    await page.waitForURL('**/admin');
    await page.getByRole('heading', { name: 'Control-plane nodes' }).waitFor();
    const api = page.locator('[data-node="api-1"][data-role="api"]');
    const worker = page.locator('[data-node="worker-1"][data-role="worker"]');
    await api.getByText('online').waitFor();
    await worker.getByText('online').waitFor();
    expect(await worker.getByRole('cell').nth(3).textContent()).toMatch(/^\d+ s ago$/);
    expect(await worker.textContent()).toContain('0.1.0');
    await checkPage(page, 'admin-01-nodes');
  });

  it("pins a cluster's jobs to the worker, changes the mode, and unpins it", async () => {
    const row = page.locator(`[data-entity="${clusterId}"]`);
    await row.getByText('any worker').waitFor();
    await page.getByLabel('Cluster or app').selectOption(`cluster:${clusterId}`);
    await page.getByLabel('Worker node').selectOption('worker-1');
    await page.getByLabel('Mode').selectOption('preferred');
    await page.getByRole('button', { name: 'Pin', exact: true }).click();
    await page.getByText('Jobs of private-dc now go to worker-1 (preferred).').waitFor();
    await row.getByRole('cell', { name: 'preferred' }).waitFor();
    expect(await row.getByRole('cell').nth(3).textContent()).toBe('worker-1');
    const pinned = await dashboard.db.controlPlaneAssignment.findFirstOrThrow({
      where: { entityId: clusterId },
    });
    expect(pinned).toMatchObject({ nodeName: 'worker-1', mode: 'preferred' });
    await checkPage(page, 'admin-02-pinned');

    await row.getByRole('button', { name: 'Change private-dc' }).click();
    expect(await page.getByLabel('Worker node').inputValue()).toBe('worker-1');
    expect(await page.getByLabel('Mode').inputValue()).toBe('preferred');
    await page.getByLabel('Mode').selectOption('strict');
    await page.getByRole('button', { name: 'Pin', exact: true }).click();
    await row.getByRole('cell', { name: 'strict' }).waitFor();

    await row.getByRole('button', { name: 'Unpin' }).click();
    await row.getByRole('button', { name: 'Unpin private-dc' }).click();
    await page.getByText('Jobs of private-dc go to any worker again.').waitFor();
    await row.getByText('any worker').waitFor();
    expect(
      await dashboard.db.controlPlaneAssignment.count({ where: { entityId: clusterId } }),
    ).toBe(0);
    const audit = await dashboard.db.auditLog.findMany({
      where: { targetId: clusterId },
      orderBy: { id: 'asc' },
      select: { action: true, outcome: true },
    });
    expect(audit).toEqual([
      { action: 'cluster.assignment.set', outcome: 'success' },
      { action: 'cluster.assignment.set', outcome: 'success' },
      { action: 'cluster.assignment.delete', outcome: 'success' },
    ]);
  });

  it('asks for a worker before pinning', async () => {
    await page.getByLabel('Cluster or app').selectOption(`cluster:${clusterId}`);
    await page.getByRole('button', { name: 'Pin', exact: true }).click();
    // The same zod rules as the API, before anything is sent.
    await page.getByText('Is required').waitFor();
  });

  it('makes a teammate an instance administrator, and never offers to revoke the last', async () => {
    const admins = page.locator('section[aria-labelledby="administrators"]');
    await admins.getByRole('cell', { name: admin.email }).waitFor();
    expect(await admins.getByRole('button', { name: /Revoke/ }).count()).toBe(0);
    await page.getByLabel("User's email").fill(teammate.email);
    await page.getByRole('button', { name: 'Make administrator' }).click();
    await admins.getByRole('cell', { name: teammate.email }).waitFor();
    await admins.getByRole('button', { name: 'Revoke' }).first().waitFor();
    await checkPage(page, 'admin-03-administrators');
    await admins.getByRole('button', { name: 'Revoke' }).nth(1).click();
    await admins.getByRole('button', { name: `Revoke ${teammate.name}` }).click();
    await admins.getByRole('cell', { name: teammate.email }).waitFor({ state: 'detached' });
  });

  it('works at phone width without sideways scrolling', async () => {
    const small = await dashboard.newPage(phone);
    await signIn(small, admin);
    await small.goto('/admin');
    await small.locator('[data-node="worker-1"]').getByText('online').waitFor();
    expect(await overflowsHorizontally(small)).toBe(false);
    await checkPage(small, 'admin-04-phone');
  });

  it('is not there for an organization owner who is not an instance administrator', async () => {
    const other = await dashboard.newPage();
    await signIn(other, teammate);
    await other.getByRole('link', { name: 'Settings' }).waitFor();
    expect(await other.getByRole('link', { name: 'Administration' }).count()).toBe(0);
    await other.goto('/admin');
    await other.getByText('For instance administrators').waitFor();
    expect(await other.getByRole('heading', { name: 'Control-plane nodes' }).count()).toBe(0);
  });
});
