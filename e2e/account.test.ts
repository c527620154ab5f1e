// A user's own account from Settings → Account, in real Chromium against the real API: the
// sessions of two browsers listed with this one marked, the other ended from here (its next page
// load is the sign-in page), a password change refused with the API's message beside the field,
// then made (the other browser signed out, the new password the one that signs in), this
// session ended from the list as signing out does, and the account still reachable once the user
// is in no organization.
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

const user = { name: 'Ada Owner', email: 'ada@example.test', password: 'correct horse battery' };
const newPassword = 'a much better passphrase';

async function checkPage(page: Page, name: string) {
  await screenshot(page, name);
  expect(await accessibilityProblems(page), `${name}: axe serious/critical findings`).toEqual([]);
}

async function signIn(page: Page, password: string) {
  await page.goto('/sign-in');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/clusters');
}

/** The Account tab with its sessions loaded. */
async function openAccount(page: Page) {
  await page.goto('/settings/account');
  await page.getByRole('heading', { name: 'Where you are signed in' }).waitFor();
  await page.locator('tr[data-session]').first().waitFor();
}

describe('account settings', () => {
  let dashboard: Dashboard;
  /** The browser the user works in. */
  let laptop: Page;
  /** A second browser (own localStorage, so its own session), at phone width. */
  let other: Page;

  beforeAll(async () => {
    dashboard = await startDashboard();
    // The first account of a new installation, as the sign-up page would create it.
    const reply = await fetch(`${dashboard.url}/api/auth.register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...user, organizationName: 'Acme Platform' }),
    });
    expect(reply.ok, await reply.clone().text()).toBe(true);
    laptop = await dashboard.newPage();
    other = await dashboard.newPage(phone);
  });

  afterAll(async () => {
    await dashboard?.close();
  });

  it('lists the sessions of both browsers, this one marked', async () => {
    await signIn(laptop, user.password);
    await signIn(other, user.password);

    await laptop.getByRole('link', { name: 'Settings' }).click();
    await laptop
      .getByRole('navigation', { name: 'Settings' })
      .getByRole('link', { name: 'Account' })
      .click();
    await laptop.waitForURL('**/settings/account');
    await laptop.getByText(`Signed in as ${user.name} (${user.email}).`).waitFor();
    const rows = laptop.locator('tr[data-session]');
    // The API's register call made a third session; it is the user's too, and listed.
    await expect.poll(() => rows.count()).toBe(3);
    const current = laptop.locator('tr[data-current="true"]');
    expect(await current.count()).toBe(1);
    expect(await current.textContent()).toContain('This session');
    expect(await current.textContent()).toContain('HeadlessChrome');
    expect(await current.textContent()).toContain('127.0.0.1');
    expect(
      await laptop.locator('tr[data-current="false"]', { hasText: 'This session' }).count(),
    ).toBe(0);
    await checkPage(laptop, 'account-1-sessions');

    // The same list from the other browser marks that one instead, and fits a phone.
    await openAccount(other);
    await expect.poll(() => other.locator('tr[data-session]').count()).toBe(3);
    const otherCurrent = await other
      .locator('tr[data-current="true"]')
      .getAttribute('data-session');
    expect(otherCurrent).not.toBe(await current.getAttribute('data-session'));
    expect(await overflowsHorizontally(other), 'account page scrolls sideways').toBe(false);
    await checkPage(other, 'account-2-phone');
  });

  it('ends another session: that browser’s next page load is the sign-in page', async () => {
    const otherId = await other.locator('tr[data-current="true"]').getAttribute('data-session');
    const row = laptop.locator(`tr[data-session="${otherId}"]`);
    await row.getByRole('button', { name: 'End', exact: true }).click();
    await row.getByRole('button', { name: 'End session' }).click();
    await row.waitFor({ state: 'detached' });
    await expect.poll(() => laptop.locator('tr[data-session]').count()).toBe(2);

    await other.goto('/clusters');
    await other.waitForURL('**/sign-in');
    await other.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await other.evaluate(() => window.localStorage.getItem('flotilla.token'))).toBeNull();

    // This browser is still signed in.
    await laptop.reload();
    await laptop.locator('tr[data-current="true"]').waitFor();
  });

  it('refuses a wrong current password with the API’s message beside the field', async () => {
    await signIn(other, user.password);
    await openAccount(laptop);
    await expect.poll(() => laptop.locator('tr[data-session]').count()).toBe(3);
    const current = laptop.getByLabel('Current password');
    const fresh = laptop.getByLabel('New password', { exact: true });
    const confirm = laptop.getByLabel('Confirm new password');
    const change = laptop.getByRole('button', { name: 'Change password' });

    // The shared zod rules, checked before anything is sent.
    await current.fill('whatever');
    await fresh.fill('short');
    await confirm.fill('shorter');
    await change.click();
    await laptop.getByText('Must be at least 10 characters').waitFor();
    await laptop.getByText('Does not match the new password').waitFor();

    await current.fill('not my password');
    await fresh.fill(newPassword);
    await confirm.fill(newPassword);
    await change.click();
    await laptop.getByText('Is not your current password').waitFor();
    expect(await current.getAttribute('aria-invalid')).toBe('true');
    // Said once, beside the field, not again in an alert above the form.
    expect(await laptop.getByRole('alert').count()).toBe(0);
    await checkPage(laptop, 'account-3-wrong-password');

    // Nothing was changed: the other browser is still signed in.
    await openAccount(other);
    await expect.poll(() => other.locator('tr[data-session]').count()).toBe(3);
  });

  it('changes the password: the other browser is signed out and the new one signs in', async () => {
    await laptop.getByLabel('Current password').fill(user.password);
    await laptop.getByLabel('New password', { exact: true }).fill(newPassword);
    await laptop.getByLabel('Confirm new password').fill(newPassword);
    await laptop.getByRole('button', { name: 'Change password' }).click();
    const done = laptop.getByRole('status').filter({ hasText: 'Password changed' });
    // The register session and the other browser's.
    await done.getByText('2 other sessions were ended').waitFor();
    await expect.poll(() => laptop.locator('tr[data-session]').count()).toBe(1);
    expect(await laptop.locator('tr[data-current="true"]').count()).toBe(1);
    expect(await laptop.getByLabel('Current password').inputValue()).toBe('');
    await checkPage(laptop, 'account-4-password-changed');

    await other.goto('/clusters');
    await other.waitForURL('**/sign-in');
    await other.getByLabel('Email').fill(user.email);
    await other.getByLabel('Password').fill(user.password);
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.getByRole('alert').getByText('Invalid email or password').waitFor();
    await other.getByLabel('Password').fill(newPassword);
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.waitForURL('**/clusters');

    // The browser that made the change stayed signed in throughout.
    await openAccount(laptop);
    await expect.poll(() => laptop.locator('tr[data-session]').count()).toBe(2);
  });

  it('ends this session from the list, which signs out', async () => {
    const row = laptop.locator('tr[data-current="true"]');
    await row.getByRole('button', { name: 'End', exact: true }).click();
    await row.getByRole('button', { name: 'End and sign out' }).click();
    await laptop.waitForURL('**/sign-in');
    expect(await laptop.evaluate(() => window.localStorage.getItem('flotilla.token'))).toBeNull();

    // Only this one: the other browser carries on.
    await openAccount(other);
    await expect.poll(() => other.locator('tr[data-session]').count()).toBe(1);
  });

  it('keeps the account reachable for a user no organization has any more', async () => {
    // As when the admin of their last organization removes them.
    const { id } = await dashboard.db.user.findUniqueOrThrow({ where: { email: user.email } });
    await dashboard.db.membership.deleteMany({ where: { userId: id } });
    await other.goto('/clusters');
    await other.getByText('You are not a member of any organization').waitFor();
    await other.getByRole('link', { name: 'account settings' }).click();
    await other.waitForURL('**/settings/account');
    await other.locator('tr[data-current="true"]').waitFor();
    const tabs = other.getByRole('navigation', { name: 'Settings' }).getByRole('link');
    expect(await tabs.allTextContents()).toEqual(['Account']);
    expect(await other.getByLabel('Current password').isVisible()).toBe(true);
    await checkPage(other, 'account-5-no-organization');
  });
});
