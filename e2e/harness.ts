// The dashboard as a user meets it: the API and (when asked) the worker as their own processes,
// exactly as `pnpm start` runs them (@flotilla/harness: they die with this process, and the API
// counts as up once /health answers), on a scratch database, serving the dashboard build in
// apps/web/dist (made current by setup.ts), driven by headless Chromium. Screenshots go to
// test-artifacts/web/, and every page is checked with axe-core.
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { loadConfig } from '@flotilla/config';
import { createDb, type Db } from '@flotilla/db';
import { createTestDatabase } from '@flotilla/db/testing';
import {
  type ControlPlane,
  type Started,
  startControlPlane,
  startTcpProxy,
  type TcpProxy,
} from '@flotilla/harness';
import { createQueues, queueNames } from '@flotilla/queue';
import { createSealer, type Sealer } from '@flotilla/secrets';
import { Redis } from 'ioredis';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { vi } from 'vitest';
import { webDist } from './build.ts';

export const artifactsDir = join(import.meta.dirname, '..', 'test-artifacts', 'web');

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
  /** Where the browser and the tests reach the API (through a proxy that can cut connections). */
  url: string;
  databaseUrl: string;
  /** The same database as the API's, for what the worker would write (status, log lines). */
  db: Db;
  /** Seals secrets exactly as the API and worker do (same master key). */
  sealer: Sealer;
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

export interface DashboardOptions {
  /**
   * Also run the provisioning engine: a worker process on this test's database and the control
   * plane's private queue prefix.
   */
  engine?: boolean;
  /** More settings for the API and the worker (e.g. what apps on the testbed need). */
  env?: Record<string, string>;
}

const redisUrl = 'redis://127.0.0.1:6379';

export async function startDashboard(options: DashboardOptions = {}): Promise<Dashboard> {
  const [database] = await Promise.all([
    createTestDatabase(),
    mkdir(artifactsDir, { recursive: true }),
  ]);
  let controlPlane: ControlPlane | undefined;
  let proxy: TcpProxy | undefined;
  try {
    controlPlane = await startControlPlane({
      databaseUrl: database.url,
      redisUrl,
      workers: options.engine ? 1 : 0,
      env: {
        NODE_ENV: 'test',
        // First-run registration is what a new installation shows: closed after the first user.
        FLOTILLA_OPEN_SIGNUP: 'false',
        FLOTILLA_WEB_DEV: 'false',
        FLOTILLA_WEB_DIST: webDist,
        // Never a real cloud API from a test.
        DIGITALOCEAN_API_URL: 'http://127.0.0.1:1',
        HETZNER_API_URL: 'http://127.0.0.1:1',
        AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:1',
        // The testbed's servers, and the loopback addresses the dashboard tests type into forms
        // (127.0.x.y: clusters no worker reaches, or whose log lines the test writes itself).
        FLOTILLA_NETWORK_ALLOW: '10.201.0.0/16,127.0.0.0/8',
        HEALTH_CHECK_INTERVAL_MS: '2000',
        WORKER_LOCK_DURATION_MS: '5000',
        WORKER_STALLED_INTERVAL_MS: '2000',
        ...options.env,
      },
    });
    const worker = controlPlane.workers[0];
    if (worker) await workerListening(worker, controlPlane.env.QUEUE_PREFIX as string);
    proxy = await startTcpProxy({
      host: '127.0.0.1',
      port: Number(new URL(controlPlane.url).port),
    });
  } catch (error) {
    await controlPlane?.stop();
    await database.drop();
    throw error;
  }
  const cp = controlPlane;
  const front = proxy;

  const config = loadConfig({ DATABASE_URL: database.url, NODE_ENV: 'test' });
  const db = createDb({ url: database.url });
  let browser: Promise<Browser> | undefined;
  const contexts: BrowserContext[] = [];
  const url = `http://127.0.0.1:${front.port}`;

  return {
    url,
    databaseUrl: database.url,
    db,
    sealer: createSealer(config.masterKey),
    dropConnections() {
      front.cut();
      front.restore();
    },
    async newPage(viewport = desktop, pageOptions = {}) {
      browser ??= chromium.launch({
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        args: chromiumArgs,
      });
      // bypassCSP lets the test inject axe-core; the app itself runs under the real policy.
      const context = await (await browser).newContext({
        viewport,
        baseURL: url,
        bypassCSP: true,
        colorScheme: pageOptions.colorScheme ?? 'light',
      });
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      return page;
    },
    async close() {
      await Promise.allSettled(contexts.map((context) => context.close()));
      if (browser) await (await browser).close();
      // SIGTERM lets a running job finish; harness kills a process still there after 10 s (a job
      // stuck on a vanished server must not hold the test run hostage).
      await cp.stop();
      await front.close();
      await deleteQueueKeys(cp.env.QUEUE_PREFIX as string);
      await db.$disconnect();
      await database.drop();
    },
  };
}

/** Resolves once the worker listens on every queue; fails at once, with its output, if it dies. */
async function workerListening(worker: Started, prefix: string): Promise<void> {
  const queues = createQueues({ redis: { REDIS_URL: redisUrl }, prefix });
  let onExit: ((code: number | null) => void) | undefined;
  const exited = new Promise<never>((_, reject) => {
    onExit = (code) => reject(new Error(`worker exited (${code}):\n${worker.output()}`));
    worker.child.once('exit', onExit);
  });
  try {
    await Promise.race([
      exited,
      vi.waitFor(
        async () => {
          for (const name of queueNames) {
            if ((await queues.get(name).getWorkersCount()) === 0) {
              throw new Error(`no worker on queue ${name} yet:\n${worker.output()}`);
            }
          }
        },
        { timeout: 60_000, interval: 200 },
      ),
    ]);
  } finally {
    if (onExit) worker.child.off('exit', onExit);
    await queues.close();
  }
}

async function deleteQueueKeys(prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
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
