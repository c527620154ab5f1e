// `pnpm start` on a machine with neither Postgres nor Redis (issue 22): each run is in a fresh
// network namespace whose only interface is its own loopback, so nothing answers on 5432 or 6379
// there, and DATABASE_URL and REDIS_URL are unset. HTTP requests go in through nsenter.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

const root = join(import.meta.dirname, '..');
// Absolute: one test runs the launcher with a PATH that lacks redis-server (and these).
const which = (tool: string) =>
  execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
const [setpriv, unshare] = [which('setpriv'), which('unshare')];
let dataDir: string;

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'flotilla-first-run-'));
  // Like a checkout's folder (mkdtemp's are 0700, which Postgres, run as the user postgres,
  // could not enter); the data folder itself does not exist yet, as on a first start.
  await chmod(scratch, 0o755);
  dataDir = join(scratch, '.flotilla');
});
const launched: Launch[] = [];
// A test that failed half-way leaves no launcher (nor its Postgres and Redis) behind.
afterEach(async () => {
  for (const run of launched.splice(0)) {
    if (run.child.exitCode === null && run.child.signalCode === null) await interrupt(run);
  }
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

interface Launch {
  child: ChildProcess;
  /** The launcher's log lines (JSON: stdout is not a terminal here). */
  lines: () => { name?: string; level?: number; msg?: string }[];
  output: () => string;
  /** The namespace's identity, to find whatever still runs in it after the launcher exits. */
  netns: string;
}

function baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FLOTILLA_DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    ...extra,
  };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'PORT', 'HOST', 'QUEUE_PREFIX', 'LOG_FORMAT']) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

async function launch(env: NodeJS.ProcessEnv = baseEnv()): Promise<Launch> {
  // setpriv: should this test process die, the launcher gets SIGTERM and stops what it started.
  const child = spawn(
    setpriv,
    [
      ...['--pdeathsig', 'TERM', '--', unshare, '--net', '--', '/bin/sh', '-c'],
      `ip link set lo up && exec ${process.execPath} scripts/start.ts`,
    ],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk));
  await once(child, 'spawn');
  // setpriv, unshare and sh exec the launcher, so it keeps this pid; its namespace is the new one
  // as soon as unshare has run.
  const ours = await readlink('/proc/self/ns/net');
  let netns = ours;
  while (netns === ours && child.exitCode === null) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    netns = await readlink(`/proc/${child.pid}/ns/net`).catch(() => ours);
  }
  const run: Launch = {
    child,
    output: () => output,
    lines: () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line)),
    netns,
  };
  launched.push(run);
  return run;
}

/** An HTTP request from inside the launcher's namespace: {status, body}. */
function request(
  { child }: Launch,
  method: string,
  path: string,
  body?: unknown,
): { status: number; body: string } {
  const script = `
    const res = await fetch('http://127.0.0.1:3000${path}', {
      method: ${JSON.stringify(method)},
      headers: { 'content-type': 'application/json' },
      ${body === undefined ? '' : `body: ${JSON.stringify(JSON.stringify(body))},`}
    }).catch((error) => ({ status: 0, text: async () => String(error.cause ?? error) }));
    console.log(JSON.stringify({ status: res.status, body: await res.text() }));`;
  const out = execFileSync(
    'nsenter',
    [
      `--net=/proc/${child.pid}/ns/net`,
      '--',
      process.execPath,
      '--input-type=module',
      '-e',
      script,
    ],
    { encoding: 'utf8' },
  );
  return JSON.parse(out);
}

/** Waits for /health to answer 200 and the worker to say it is ready; the time it took. */
async function waitForReady(run: Launch, withinMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < withinMs) {
    if (run.child.exitCode !== null) throw new Error(`pnpm start exited:\n${run.output()}`);
    const workerReady = run.lines().some((line) => line.msg === 'worker ready');
    if (workerReady && request(run, 'GET', '/health').status === 200) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`not ready within ${withinMs} ms:\n${run.output()}`);
}

/** SIGINT, as Ctrl-C sends; resolves with the exit code. */
async function interrupt(run: Launch): Promise<number | null> {
  const exited = once(run.child, 'exit');
  run.child.kill('SIGINT');
  const [code] = (await exited) as [number | null];
  return code;
}

/** Processes still in the namespace the launcher ran in (none once everything stopped). */
async function leftInNamespace(netns: string): Promise<string[]> {
  const left: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const ns = await readlink(`/proc/${pid}/ns/net`).catch(() => '');
    if (ns === netns) left.push(pid);
  }
  return left;
}

const user = { email: 'ada@example.com', password: 'correct horse battery', name: 'Ada' };

describe('pnpm start with nothing installed', () => {
  it('starts its own Postgres and Redis, answers /health within 120 s, and keeps the data across restarts', async () => {
    const first = await launch();
    const tookMs = await waitForReady(first, 120_000);
    console.log(
      `first start: /health 200 and the worker ready after ${(tookMs / 1000).toFixed(1)} s`,
    );
    const messages = first.lines().map((line) => line.msg);
    expect(messages).toContain('creating the embedded Postgres database cluster');
    expect(messages).toContain('embedded Postgres started');
    expect(messages).toContain('redis-server started');
    const registered = request(first, 'POST', '/api/auth.register', user);
    expect(registered.status, registered.body).toBe(201);

    expect(await interrupt(first)).toBe(0);
    expect(await leftInNamespace(first.netns)).toEqual([]);
    // Postgres removes its pid file on a clean shutdown; Redis wrote its append-only file.
    expect(existsSync(join(dataDir, 'postgres/postmaster.pid'))).toBe(false);
    expect(existsSync(join(dataDir, 'redis/appendonlydir'))).toBe(true);

    const second = await launch();
    await waitForReady(second, 120_000);
    expect(second.lines().map((line) => line.msg)).not.toContain(
      'creating the embedded Postgres database cluster',
    );
    const login = request(second, 'POST', '/api/auth.login', {
      email: user.email,
      password: user.password,
    });
    expect(login.status, login.body).toBe(200);
    expect(JSON.parse(login.body).result.data.user.email).toBe(user.email);
    expect(await interrupt(second)).toBe(0);
    expect(await leftInNamespace(second.netns)).toEqual([]);
  }, 400_000);

  it('starts nothing of its own for a DATABASE_URL the user set', async () => {
    const run = await launch(
      baseEnv({
        DATABASE_URL: 'postgresql://root@127.0.0.1:5432/flotilla',
        FLOTILLA_DATA_DIR: join(scratch, 'unused'),
      }),
    );
    const [code] = await once(run.child, 'exit');
    expect(code).toBe(1);
    expect(run.output()).toContain('Postgres is not reachable at 127.0.0.1:5432 (DATABASE_URL)');
    expect(run.output()).not.toContain('embedded Postgres started');
    expect(existsSync(join(scratch, 'unused/postgres'))).toBe(false);
  }, 60_000);

  it('says in one line how to get Redis when there is no redis-server', async () => {
    // A PATH with node and the tools the launcher calls, but no redis-server.
    const bin = join(scratch, 'bin-without-redis');
    await mkdir(bin);
    for (const tool of ['node', 'id', 'ip']) await symlink(which(tool), join(bin, tool));
    const run = await launch(baseEnv({ PATH: bin }));
    const [code] = await once(run.child, 'exit');
    expect(code).toBe(1);
    const line = run.lines().find((entry) => entry.level === 50)?.msg ?? '';
    expect(line, run.output()).toContain('there is no redis-server to start');
    expect(line).toContain('apt install redis-server');
    expect(line).toContain('brew install redis');
    expect(line).toContain('docker compose up -d redis');
    expect(line).not.toContain('\n');
    // The Postgres it had started meanwhile is stopped again.
    expect(await leftInNamespace(run.netns)).toEqual([]);
  }, 120_000);

  it('leaves no API or worker running when the launcher itself is killed', async () => {
    const run = await launch();
    await waitForReady(run, 120_000);
    const exited = once(run.child, 'exit');
    run.child.kill('SIGKILL');
    await exited;
    // Their IPC channel to the launcher closed: both stop by themselves.
    const apps = async () => {
      const left = await leftInNamespace(run.netns);
      const commands = await Promise.all(
        left.map((pid) => readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')),
      );
      return commands.filter((command) => command.includes('dist/main.js'));
    };
    await vi.waitFor(async () => expect(await apps()).toEqual([]), { timeout: 30_000 });
    // Postgres and Redis are daemons of their own and outlive a killed launcher (the next start
    // finds them answering); stopped here by hand.
    for (const pid of await leftInNamespace(run.netns)) process.kill(Number(pid), 'SIGTERM');
    await vi.waitFor(async () => expect(await leftInNamespace(run.netns)).toEqual([]), {
      timeout: 30_000,
    });
  }, 200_000);
});
