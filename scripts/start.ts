// `pnpm start`: the control plane on this machine, in three steps.
// 1. Postgres and Redis: those at DATABASE_URL and REDIS_URL. When a variable is unset and
//    nothing answers at its default address, an embedded Postgres / a redis-server is started
//    here, with its data in FLOTILLA_DATA_DIR (default .flotilla), kept across restarts.
// 2. The database is created and migrated; meanwhile `pnpm build` compiles the API, the worker
//    and the dashboard (Turborepo's cache makes an unchanged tree a sub-second no-op).
// 3. The API (which also serves the dashboard) and the worker run as `node <nodeFlags>
//    dist/main.js`, their logs on this terminal.
// Ctrl-C or SIGTERM stops the API and the worker, then what step 1 started; if one process dies,
// the rest are stopped too. `pnpm dev` (--dev) runs the sources through `tsx watch` and the
// dashboard through Vite's dev server instead, reloading on change, with no build.
//
// This file runs on Node's own type stripping (no tsx), so it and what it imports are TypeScript
// whose types can simply be erased.
import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { compiledEntry, nodeFlags } from '@flotilla/build/node-flags';
import { type Config, ConfigError, loadConfig } from '@flotilla/config';
import { applyMigrations, ensureDatabase } from '@flotilla/db/migrate';
import { createLogger } from '@flotilla/log';
import {
  answers,
  hostAndPort,
  type LocalService,
  LocalServiceError,
  startEmbeddedPostgres,
  startLocalRedis,
} from './local-services.ts';

const dev = process.argv.includes('--dev');
const root = join(import.meta.dirname, '..');

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`flotilla: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
const log = createLogger({ name: 'flotilla', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
const dataDir = resolve(root, config.FLOTILLA_DATA_DIR ?? '.flotilla');

/** Started by step 1, stopped last. */
const services: LocalService[] = [];
/** The build, then the API and the worker (and Vite under --dev). */
const children = new Map<string, ChildProcess>();
let stopping: Promise<never> | undefined;

function stop(exitCode: number): Promise<never> {
  stopping ??= (async () => {
    // One signal each, from here: the children run in their own process groups, so Ctrl-C on the
    // terminal reaches only this process (the worker takes a second signal as "exit now").
    await Promise.all([...children.values()].map((child) => stopChild(child)));
    for (const service of services.reverse()) {
      await service
        .stop()
        .catch((error: Error) => log.error({ err: error }, `${service.name} did not stop cleanly`));
    }
    process.exit(exitCode);
  })();
  return stopping;
}

function fail(message: string): Promise<never> {
  log.error(message);
  return stop(1);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.once('exit', () => {
      clearTimeout(deadline);
      done();
    });
    child.kill('SIGTERM');
    // The worker lets running jobs finish; a job still running then resumes on the next start.
    const deadline = setTimeout(() => child.kill('SIGKILL'), 10_000);
  });
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

// Step 1. A variable the user set is theirs to fix; an unset one means "the default address",
// and if nothing answers there this machine has none yet: start one. (Whether the variable is
// set at all is not part of the validated config, hence process.env.)
async function ensurePostgres(): Promise<void> {
  const { host, port } = hostAndPort(config.DATABASE_URL, 5432);
  if (await answers(host, port)) return;
  if (process.env.DATABASE_URL !== undefined) {
    throw new LocalServiceError(
      `Postgres is not reachable at ${host}:${port} (DATABASE_URL): start it, or unset DATABASE_URL and pnpm start runs one itself`,
    );
  }
  services.push(await startEmbeddedPostgres({ url: config.DATABASE_URL, dataDir, log }));
}

async function ensureRedis(): Promise<void> {
  const { host, port } = hostAndPort(config.REDIS_URL, 6379);
  if (await answers(host, port)) return;
  if (process.env.REDIS_URL !== undefined) {
    throw new LocalServiceError(
      `Redis is not reachable at ${host}:${port} (REDIS_URL): start it, or unset REDIS_URL and pnpm start runs one itself`,
    );
  }
  services.push(await startLocalRedis({ url: config.REDIS_URL, dataDir, log }));
}

// Step 2.
async function prepareDatabase(): Promise<void> {
  if (await ensureDatabase(config.DATABASE_URL)) {
    log.info(`created database ${new URL(config.DATABASE_URL).pathname.slice(1)}`);
  }
  const applied = await applyMigrations(config.DATABASE_URL);
  if (applied.length) log.info({ migrations: applied }, 'applied migrations');
}

async function build(): Promise<void> {
  log.info('building the API, the worker and the dashboard (pnpm build)');
  const started = Date.now();
  const turbo = spawn(
    join(root, 'node_modules/.bin/turbo'),
    ['run', 'build', ...['api', 'worker', 'web'].map((app) => `--filter=@flotilla/${app}`)],
    {
      cwd: root,
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', TURBO_NO_UPDATE_NOTIFIER: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.set('build', turbo);
  let output = '';
  turbo.stdout?.on('data', (chunk: Buffer) => (output += chunk));
  turbo.stderr?.on('data', (chunk: Buffer) => (output += chunk));
  const code = await new Promise<number | null>((done) => turbo.once('exit', done));
  children.delete('build');
  if (stopping) return;
  if (code !== 0) throw new LocalServiceError(`pnpm build failed:\n${output.trim()}`);
  log.info(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

// Step 3.
function run(
  name: string,
  argv: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
) {
  const child = spawn(argv[0] as string, argv.slice(1), {
    cwd: options.cwd ?? root,
    // Their own output straight to this terminal: each line names its process, and logs are
    // pretty exactly when the terminal is one. The IPC channel closes when this process is gone,
    // however it went: API and worker then stop too (see their main.ts).
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    detached: true,
    env: { ...process.env, ...options.env },
  });
  child.once('exit', (code, signal) => {
    if (stopping) return;
    void fail(`${name} exited (${signal ?? code}); stopping the others`);
  });
  children.set(name, child);
}

try {
  const step1 = await Promise.allSettled([ensurePostgres(), ensureRedis()]);
  for (const result of step1) if (result.status === 'rejected') throw result.reason;
  await Promise.all([
    prepareDatabase().catch((error: Error) => {
      throw new LocalServiceError(`could not prepare the database: ${error.message}`);
    }),
    dev ? undefined : build(),
  ]);
} catch (error) {
  if (!(error instanceof LocalServiceError)) throw error;
  await fail(error.message);
}
if (stopping) await stopping;

if (dev) {
  const tsxWatch = (entry: string) => [
    process.execPath,
    join(root, 'node_modules/tsx/dist/cli.mjs'),
    'watch',
    entry,
  ];
  const env = { FLOTILLA_WEB_DEV: 'true' };
  run('api', tsxWatch('apps/api/src/main.ts'), { env });
  run('worker', tsxWatch('apps/worker/src/main.ts'), { env });
  run('vite', [join(root, 'apps/web/node_modules/.bin/vite')], {
    cwd: join(root, 'apps/web'),
    env,
  });
} else {
  run('api', [process.execPath, ...nodeFlags, compiledEntry('api')]);
  run('worker', [process.execPath, ...nodeFlags, compiledEntry('worker')]);
}
