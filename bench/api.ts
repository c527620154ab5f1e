// API throughput: `GET /api/cluster.all` (a page of 50 of 1,000 clusters) with a bearer token,
// 32 connections, against a bare node:http + postgres.js server answering the same page.
//
// Latency at 32 connections is bounded by Little's law: with every connection always waiting,
// p50 ≈ 32 / rps on the one core the server is pinned to (600 rps → 53 ms), so p99 ≤ 25 ms would
// need well over 1,280 rps from one core — neither server gets there (2026-12-04, load on core 1:
// baseline p99 84–110 ms, ours 85–103 ms at 580–1,030 rps). At 4 connections: ours p99 25–34 ms,
// baseline 50–69 ms.

import {
  type ControlPlane,
  cpuMs,
  freePort,
  node,
  type Started,
  start,
  waitForHttp,
} from '@flotilla/harness';
import { type LoadResult, load } from './load.ts';
import { seed } from './seed.ts';

export interface ApiRun {
  rps: number;
  baselineRps: number;
  ratio: number;
  p50Ms: number;
  p99Ms: number;
  baselineP50Ms: number;
  baselineP99Ms: number;
  /** CPU time per request in µs: steadier than throughput on a shared machine. */
  cpuUsPerRequest: number;
  baselineCpuUsPerRequest: number;
  concurrency: number;
  organizationId: string;
  token: string;
}

export async function benchApi({
  plane,
  databaseUrl,
  seconds,
  connections,
}: {
  plane: ControlPlane;
  databaseUrl: string;
  seconds: number;
  connections: number;
}): Promise<ApiRun> {
  const seeded = await seed(databaseUrl, 1000);
  const port = await freePort();
  const baseline = start(node('bench/baseline-server.ts'), {
    env: { DATABASE_URL: databaseUrl, PORT: String(port) },
    cpu: 0,
  });
  const path = `/api/cluster.all?organizationId=${seeded.organizationId}&page=1&limit=50`;
  const oursUrl = `${plane.url}${path}`;
  const baselineUrl = `http://127.0.0.1:${port}${path}`;
  try {
    await waitForHttp(`http://127.0.0.1:${port}/health`, baseline);
    await samePage(oursUrl, baselineUrl, seeded.token);
    const options = { token: seeded.token, connections, cpu: 1 };
    // Warm both up (JIT, connection pools, Prisma's query-plan cache) before measuring.
    await load(baselineUrl, { ...options, seconds: 3 });
    await load(oursUrl, { ...options, seconds: 3 });
    const base = await measured(baseline, () => load(baselineUrl, { ...options, seconds }));
    const ours = await measured(plane.apis[0] as Started, () =>
      load(oursUrl, { ...options, seconds }),
    );
    for (const [name, run] of [
      ['baseline', base],
      ['ours', ours],
    ] as const) {
      if (run.non2xx || run.errors) {
        throw new Error(
          `${name}: ${run.non2xx} non-2xx answers and ${run.errors} errors under load`,
        );
      }
    }
    return {
      rps: ours.rps,
      baselineRps: base.rps,
      ratio: Math.round((ours.rps / base.rps) * 100) / 100,
      p50Ms: ours.p50Ms,
      p99Ms: ours.p99Ms,
      baselineP50Ms: base.p50Ms,
      baselineP99Ms: base.p99Ms,
      cpuUsPerRequest: ours.cpuUsPerRequest,
      baselineCpuUsPerRequest: base.cpuUsPerRequest,
      concurrency: connections,
      organizationId: seeded.organizationId,
      token: seeded.token,
    };
  } finally {
    await baseline.stop();
  }
}

/** Both servers must answer the same 50 clusters, or the comparison means nothing. */
async function samePage(oursUrl: string, baselineUrl: string, token: string): Promise<void> {
  const headers = { authorization: `Bearer ${token}` };
  const [ours, base] = await Promise.all(
    [oursUrl, baselineUrl].map(async (url) => {
      const res = await fetch(url, { headers });
      if (!res.ok) throw new Error(`${url} → ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { result: { data: unknown } }).result.data;
    }),
  );
  const ids = (data: unknown) =>
    (Array.isArray(data) ? data : (data as { items: { id: string }[] }).items).map(
      (cluster: { id: string }) => cluster.id,
    );
  const oursIds = ids(ours);
  if (oursIds.length !== 50 || oursIds.join() !== ids(base).join()) {
    throw new Error('the API and the baseline answer different pages');
  }
}

/** A load run, with the CPU time the server spent per request during it. */
async function measured(
  server: Started,
  run: () => Promise<LoadResult>,
): Promise<LoadResult & { cpuUsPerRequest: number }> {
  const pid = server.child.pid as number;
  const before = await cpuMs(pid);
  const result = await run();
  const cpu = (await cpuMs(pid)) - before;
  return { ...result, cpuUsPerRequest: Math.round((cpu * 1000) / Math.max(result.requests, 1)) };
}
