// Quick throughput check of the hot read: `GET /api/cluster.all` (page of 50 of 1,000 clusters,
// bearer token) through the real API process, against a bare node:http + postgres.js baseline.
// Servers are pinned to CPU 0 and autocannon (its own process) to CPU 1, so they do not fight
// for the same core; the runs alternate and the best of each side is compared.
//
//   pnpm --filter @flotilla/api exec tsx scripts/bench-cluster-all.ts [--seconds 10] [--connections 10]
//     [--clusters 1000] [--profile DIR]
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { newId } from '@flotilla/db';
import { createTestDatabase } from '@flotilla/db/testing';
import { generateToken, hashPassword, hashToken } from '@flotilla/secrets';
import postgres from 'postgres';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    clusters: { type: 'string', default: '1000' },
    // Writes a V8 CPU profile of the API process into this directory.
    profile: { type: 'string' },
  },
});
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name: string) => join(root, 'node_modules/.bin', name);

async function seed(url: string, clusters: number) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const organizationId = newId('org');
  const userId = newId('usr');
  const token = generateToken('flt');
  const now = new Date();
  await sql`insert into "Organization" (id, name, slug, "updatedAt") values (${organizationId}, 'Bench', ${organizationId}, ${now})`;
  await sql`insert into "User" (id, email, name, "passwordHash", "updatedAt")
    values (${userId}, 'bench@example.test', 'Bench', ${await hashPassword('bench-password')}, ${now})`;
  await sql`insert into "Membership" (id, "organizationId", "userId", role) values (${newId('mem')}, ${organizationId}, ${userId}, 'owner')`;
  await sql`insert into "ApiToken" (id, "userId", kind, name, "tokenHash", prefix)
    values (${newId('tok')}, ${userId}, 'api', 'bench', ${hashToken(token)}, ${token.slice(0, 8)})`;
  for (let start = 0; start < clusters; start += 250) {
    const batch = Array.from({ length: Math.min(250, clusters - start) }, (_, i) => ({
      id: newId('cls'),
      organizationId,
      name: `cluster-${start + i}`,
      provider: 'digitalocean',
      region: 'fra1',
      orchestrator: (start + i) % 2 ? 'kubernetes' : 'swarm',
      status: 'running',
      createdAt: new Date(now.getTime() - (clusters - start - i) * 1000),
      updatedAt: now,
    }));
    await sql`insert into "Cluster" ${sql(batch)}`;
    const nodes = batch.flatMap((c) =>
      [1, 2, 3].map((ordinal) => ({
        id: newId('node'),
        clusterId: c.id,
        name: `${c.name}-${ordinal}`,
        role: ordinal === 1 ? 'manager' : 'worker',
        plan: 'small',
        status: 'running',
        ordinal,
        updatedAt: now,
      })),
    );
    await sql`insert into "Node" ${sql(nodes)}`;
  }
  await sql.end();
  return { organizationId, token };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startServer(
  script: string,
  env: Record<string, string>,
  profileDir?: string,
): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const args = ['-c', '0', process.execPath, ...profile, '--import', 'tsx', script];
  const child = spawn('taskset', args, {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, child };
    } catch {}
    if (Date.now() > deadline) throw new Error(`${script} did not start`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** CPU time (user + system) a process has used, in ms: under a shared, busy machine the CPU
 * spent per request is a steadier comparison than requests per second. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function load(
  server: { url: string; child: ChildProcess },
  path: string,
  token: string,
  seconds: number,
  connections: number,
) {
  const url = server.url + path;
  const pid = server.child.pid as number;
  const cpuBefore = cpuMs(pid);
  const { stdout } = await promisify(execFile)(
    'taskset',
    [
      '-c',
      '1',
      bin('autocannon'),
      '-j',
      '-c',
      String(connections),
      '-d',
      String(seconds),
      '-H',
      `authorization=Bearer ${token}`,
      url,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const cpu = cpuMs(pid) - cpuBefore;
  const result = JSON.parse(stdout) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
  };
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return {
    rps: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    cpuUsPerRequest: Math.round((cpu * 1000) / result.requests.total),
  };
}

const database = await createTestDatabase();
const children: ChildProcess[] = [];
try {
  const seeded = await seed(database.url, Number(values.clusters));
  const env = {
    DATABASE_URL: database.url,
    QUEUE_PREFIX: `flt-bench-${Date.now()}`,
    NODE_ENV: 'production',
    FLOTILLA_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
  };
  const ours = await startServer('src/main.ts', env, values.profile);
  const base = await startServer('scripts/bench-baseline.ts', env);
  children.push(ours.child, base.child);
  const path = `/api/cluster.all?organizationId=${seeded.organizationId}&page=1&limit=50`;
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  for (const server of [ours, base]) await load(server, path, seeded.token, 2, connections);
  const results = {
    ours: [] as Awaited<ReturnType<typeof load>>[],
    baseline: [] as Awaited<ReturnType<typeof load>>[],
  };
  for (let round = 0; round < 2; round++) {
    results.ours.push(await load(ours, path, seeded.token, seconds, connections));
    results.baseline.push(await load(base, path, seeded.token, seconds, connections));
  }
  const best = <R extends { rps: number }>(runs: R[]) =>
    runs.reduce((a, b) => (b.rps > a.rps ? b : a));
  const o = best(results.ours);
  const b = best(results.baseline);
  console.log(
    JSON.stringify(
      {
        ours: o,
        baseline: b,
        ratio: Math.round((o.rps / b.rps) * 100) / 100,
        // Baseline CPU per request ÷ ours: the throughput ratio a dedicated core would give.
        cpuRatio: Math.round((b.cpuUsPerRequest / o.cpuUsPerRequest) * 100) / 100,
        runs: results,
        connections,
        seconds,
      },
      null,
      2,
    ),
  );
} finally {
  for (const child of children) child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 2_000));
  await database.drop();
}
