// Profiling aid for the API hot path (not part of `pnpm bench`): seeds the benchmark's data set,
// starts ONE API process with extra Node flags (PROFILE_NODE_FLAGS, e.g. "--cpu-prof
// --cpu-prof-dir=/tmp/prof"), puts `GET /api/cluster.all` load on it from core 1 and prints
// rps, latency, CPU µs per request and the API's RSS idle and after the load.
//
//   PROFILE_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" tsx bench/profile-api.ts
import { createTestDatabase } from '@flotilla/db/testing';
import { cpuMs, freePort, rssMb, start, waitForHttp } from '@flotilla/harness';
import { load } from './load.ts';
import { seed } from './seed.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const flags = (process.env.PROFILE_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const entry = process.env.PROFILE_ENTRY ?? 'apps/api/src/main.ts';
const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];

const database = await createTestDatabase();
try {
  const seeded = await seed(database.url, 1000);
  const port = await freePort();
  const api = start([process.execPath, ...flags, ...loader, entry], {
    env: { DATABASE_URL: database.url, PORT: String(port), LOG_LEVEL: 'warn' },
    cpu: 0,
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/health`, api);
    const pid = api.child.pid as number;
    const idle = await rssMb(pid);
    const url = `${base}/api/cluster.all?organizationId=${seeded.organizationId}&page=1&limit=50`;
    const options = { token: seeded.token, connections, cpu: 1 };
    await load(url, { ...options, seconds: 3 });
    const before = await cpuMs(pid);
    const run = await load(url, { ...options, seconds });
    const cpu = (await cpuMs(pid)) - before;
    console.log(
      JSON.stringify({
        rps: run.rps,
        p50Ms: run.p50Ms,
        p99Ms: run.p99Ms,
        non2xx: run.non2xx,
        cpuUsPerRequest: Math.round((cpu * 1000) / run.requests),
        idleRssMb: idle,
        loadedRssMb: await rssMb(pid),
      }),
    );
  } finally {
    await api.stop();
  }
} finally {
  await database.drop();
}
