// `pnpm start` (and `pnpm dev` with --dev): check Postgres and Redis, create and migrate the
// database, then run the API (which also serves the dashboard) and the worker as children of
// this process. Ctrl-C stops them all; if one dies, the others are stopped too.
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ConfigError, developmentMasterKeyWarning, loadConfig } from '@flotilla/config';
import { applyMigrations, ensureDatabase } from '@flotilla/db/migrate';

const dev = process.argv.includes('--dev');
const root = join(import.meta.dirname, '..');

function fail(message: string): never {
  console.error(`flotilla: ${message}`);
  process.exit(1);
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}

function reachable(url: string, defaultPort: number): Promise<string | undefined> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({
      host: hostname.replace(/^\[|\]$/g, ''),
      port: Number(port || defaultPort),
    });
    socket.setTimeout(3_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('no answer within 3 s');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

const where = (url: string) => new URL(url).host;
const [pgProblem, redisProblem] = await Promise.all([
  reachable(config.DATABASE_URL, 5432),
  reachable(config.REDIS_URL, 6379),
]);
if (pgProblem) {
  fail(
    `Postgres is not reachable at ${where(config.DATABASE_URL)} (${pgProblem}). Start it with \`docker compose up -d postgres\`, or set DATABASE_URL.`,
  );
}
if (redisProblem) {
  fail(
    `Redis is not reachable at ${where(config.REDIS_URL)} (${redisProblem}). Start it with \`docker compose up -d redis\`, or set REDIS_URL.`,
  );
}
if (config.masterKeyIsDevelopmentDefault) console.warn(`flotilla: ${developmentMasterKeyWarning}`);

try {
  if (await ensureDatabase(config.DATABASE_URL)) {
    console.log(`flotilla: created database ${new URL(config.DATABASE_URL).pathname.slice(1)}`);
  }
  const applied = await applyMigrations(config.DATABASE_URL);
  if (applied.length) console.log(`flotilla: applied migrations ${applied.join(', ')}`);
} catch (error) {
  fail(`could not prepare the database: ${error instanceof Error ? error.message : error}`);
}

const children: ChildProcess[] = [];

function run(name: string, entry: string) {
  // One node process per service (tsx as a loader, not as a wrapper), so signals reach it directly.
  const args = dev
    ? [join(root, 'node_modules/tsx/dist/cli.mjs'), 'watch', entry]
    : ['--import', 'tsx', entry];
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: dev ? { ...process.env, FLOTILLA_WEB_DEV: 'true' } : process.env,
  });
  const prefix = `[${name}] `;
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines)
        (stream === child.stderr ? process.stderr : process.stdout).write(`${prefix + line}\n`);
    });
  }
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`flotilla: ${name} exited (${signal ?? code}); stopping the others`);
    stop(code ?? 1);
  });
  children.push(child);
}

let stopping = false;
function stop(exitCode: number) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  const deadline = setTimeout(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  }, 10_000);
  Promise.all(
    children.map((child) =>
      child.exitCode === null ? new Promise((r) => child.once('exit', r)) : null,
    ),
  ).then(() => {
    clearTimeout(deadline);
    process.exit(exitCode);
  });
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

run('api', 'apps/api/src/main.ts');
run('worker', 'apps/worker/src/main.ts');
