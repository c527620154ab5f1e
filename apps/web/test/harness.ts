// The dashboard as a user meets it: the real API server (in-process, scratch database) serving
// a fresh production build of the web app, driven by headless Chromium. Screenshots go to
// test-artifacts/web/, and every page is checked with axe-core.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiServer } from '@flotilla/api';
import { loadConfig } from '@flotilla/config';
import { createDb, createSql, type Db, type Sql } from '@flotilla/db';
import { createTestDatabase } from '@flotilla/db/testing';
import { createLogger } from '@flotilla/log';
import { createEventHub, createRouterServices } from '@flotilla/router';
import { createSealer, type Sealer } from '@flotilla/secrets';
import { Redis } from 'ioredis';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { buildInto, createWebHandler } from '../serve.ts';

export const artifactsDir = join(import.meta.dirname, '..', '..', '..', 'test-artifacts', 'web');

export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Dashboard {
  url: string;
  databaseUrl: string;
  db: Db;
  sql: Sql;
  /** Seals secrets exactly as the API and worker do (same master key). */
  sealer: Sealer;
  browser: Browser;
  /** Cuts every open connection, as an API restart or a flaky network would. */
  dropConnections(): void;
  /** A fresh browser profile (own localStorage) at the given viewport. */
  newPage(
    viewport?: { width: number; height: number },
    options?: { colorScheme?: 'light' | 'dark' },
  ): Promise<Page>;
  close(): Promise<void>;
}

export const desktop = { width: 1280, height: 800 };
export const phone = { width: 375, height: 740 };

const repoRoot = join(import.meta.dirname, '..', '..', '..');

export interface DashboardOptions {
  /**
   * Also run the provisioning engine: the worker as its own process (as `pnpm start` runs it)
   * on this test's database and a private queue prefix.
   */
  engine?: boolean;
}

/** The worker process; resolves once it is running, rejects if it dies first. */
function startWorkerProcess(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/worker/src/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', (code, signal) => {
    if (code) console.error(`worker exited (${code ?? signal}):\n${output}`);
  });
  return new Promise((resolve, reject) => {
    const early = (code: number | null) => reject(new Error(`worker exited (${code}): ${output}`));
    child.once('exit', early);
    child.once('spawn', () => {
      // Startup failures (config, Redis) happen within the first second.
      setTimeout(() => {
        child.off('exit', early);
        resolve(child);
      }, 1_500);
    });
  });
}

async function deleteQueueKeys(prefix: string): Promise<void> {
  const redis = new Redis('redis://127.0.0.1:6379');
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

export async function startDashboard(options: DashboardOptions = {}): Promise<Dashboard> {
  const buildDir = await mkdtemp(join(tmpdir(), 'flotilla-web-e2e-'));
  const distDir = join(buildDir, 'dist');
  const [database] = await Promise.all([
    createTestDatabase(),
    buildInto(distDir),
    mkdir(artifactsDir, { recursive: true }),
  ]);
  const config = loadConfig({ DATABASE_URL: database.url, NODE_ENV: 'test' });
  const log = createLogger({ name: 'web-test', level: 'silent' });
  const db = createDb({ url: database.url });
  const sql = createSql(database.url);
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
  const events = createEventHub(sql);
  await events.start();
  // First-run registration is what a new installation shows: sign-up closed after the first user.
  const sealer = createSealer(config.masterKey);
  const services = createRouterServices({
    db,
    sql,
    sealer,
    log,
    openSignup: false,
    events,
  });
  const web = createWebHandler({ dev: false, distDir });
  const server = createApiServer({
    config,
    log,
    db,
    sql,
    redis,
    services,
    web: async (req, res) => {
      if (!(await web(req, res))) res.writeHead(404).end();
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const queuePrefix = `flt-web-${randomUUID().slice(0, 8)}`;
  const worker = options.engine
    ? await startWorkerProcess({
        NODE_ENV: 'test',
        DATABASE_URL: database.url,
        QUEUE_PREFIX: queuePrefix,
        LOG_LEVEL: 'warn',
        HEALTH_CHECK_INTERVAL_MS: '2000',
        WORKER_LOCK_DURATION_MS: '5000',
        WORKER_STALLED_INTERVAL_MS: '2000',
      })
    : undefined;

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: chromiumArgs,
  });
  const contexts: BrowserContext[] = [];

  return {
    url,
    databaseUrl: database.url,
    db,
    sql,
    sealer,
    browser,
    dropConnections() {
      server.closeAllConnections();
    },
    async newPage(viewport = desktop, options = {}) {
      // bypassCSP lets the test inject axe-core; the app itself runs under the real policy.
      const context = await browser.newContext({
        viewport,
        baseURL: url,
        bypassCSP: true,
        colorScheme: options.colorScheme ?? 'light',
      });
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      return page;
    },
    async close() {
      await Promise.allSettled(contexts.map((context) => context.close()));
      await browser.close();
      if (worker && worker.exitCode === null) {
        const exited = new Promise((resolve) => worker.once('exit', resolve));
        worker.kill('SIGTERM');
        // A job stuck on a vanished server must not hold the test run hostage.
        const force = setTimeout(() => worker.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(force);
      }
      if (options.engine) await deleteQueueKeys(queuePrefix);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await web.close();
      await events.stop();
      redis.disconnect();
      await Promise.all([db.$disconnect(), sql.end()]);
      await database.drop();
      await rm(buildDir, { recursive: true, force: true });
    },
  };
}

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's serious and critical findings on the page as it is now. */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: await axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } })
      .axe;
    const result = await axe.run();
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
}

/** Saves a full-page screenshot as test-artifacts/web/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(artifactsDir, `${name}.png`), fullPage: true });
}

/** Whether the page is wider than the viewport (something would scroll sideways). */
export async function overflowsHorizontally(page: Page): Promise<boolean> {
  return page.evaluate(
    () => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1,
  );
}
