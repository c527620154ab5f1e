// `pnpm bench`: the API, provisioning and event stream measured against baselines in the same
// run on the same machine. Sets up its own database and testbed, cleans up after itself, prints a
// table and, as its very last line, one JSON object. Each run is appended to bench/RESULTS.md.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestDatabase } from '@flotilla/db/testing';
import { repoRoot, rssMb, startControlPlane } from '@flotilla/harness';
import { type ApiRun, benchApi } from './api.ts';
import { benchEvents, type EventsRun } from './events.ts';
import { benchProvisioning, type ProvisioningRun } from './provisioning.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 15);
// `pnpm bench api` / `pnpm bench provisioning`: one section alone, for quick iterations on a
// hot path (nothing is appended to RESULTS.md).
const apiOnly = process.argv.includes('api');
const provisioningOnly = process.argv.includes('provisioning');
const database = await createTestDatabase();
const plane = await startControlPlane({ databaseUrl: database.url, pin: true });
let api: ApiRun | undefined;
let provisioning: ProvisioningRun | undefined;
let events: EventsRun | undefined;
let memory: { apiRssMb: number; workerRssMb: number } | undefined;
try {
  if (provisioningOnly) {
    provisioning = await benchProvisioning({ plane });
    memory = {
      apiRssMb: await rssMb(plane.apis[0]?.child.pid as number),
      workerRssMb: await rssMb(plane.workers[0]?.child.pid as number),
    };
  } else {
    api = await benchApi({ plane, databaseUrl: database.url, seconds, connections: 32 });
  }
  if (api && !apiOnly) {
    provisioning = await benchProvisioning({ plane });
    events = await benchEvents({ plane, databaseUrl: database.url, token: api.token });
    memory = {
      apiRssMb: await rssMb(plane.apis[0]?.child.pid as number),
      workerRssMb: await rssMb(plane.workers[0]?.child.pid as number),
    };
  }
} finally {
  await plane.stop();
  await database.drop();
}
if (provisioning) {
  console.log('\nthe median runs, step by step (s after the request; script: phase ends)');
  for (const line of provisioning.timeline) console.log(`  ${line}`);
  console.log();
}
if (!api) {
  const { timeline: _, ...figures } = provisioning ?? { timeline: [] };
  console.log(JSON.stringify({ provisioning: figures, memory }));
  process.exit(0);
}
if (!provisioning || !events || !memory) {
  const { token: _, organizationId: __, ...figures } = api;
  console.log(JSON.stringify({ api: figures }));
  process.exit(0);
}

const targets = [
  ['API ratio ≥ 0.7', api.ratio >= 0.7],
  ['API p99 ≤ 25 ms', api.p99Ms <= 25],
  ['provisioning ratio ≤ 1.3', provisioning.ratio <= 1.3],
  ['provisioning overheadRatio ≤ 1.2', provisioning.overheadRatio <= 1.2],
  ['events p99 ≤ 250 ms', events.p99Ms <= 250],
  ['API RSS < 200 MB', memory.apiRssMb < 200],
  ['worker RSS < 200 MB', memory.workerRssMb < 200],
] as const;

const rows: [string, string][] = [
  ['api rps (ours / baseline)', `${api.rps} / ${api.baselineRps} = ${api.ratio}`],
  [
    'api latency p50 / p99',
    `${api.p50Ms} ms / ${api.p99Ms} ms (baseline ${api.baselineP50Ms} / ${api.baselineP99Ms} ms)`,
  ],
  [
    'provisioning 1 node / 5 nodes',
    `${provisioning.oneNodeSeconds} s / ${provisioning.seconds} s (ratio ${provisioning.ratio})`,
  ],
  [
    'provisioning by hand (script), 5 nodes',
    `${provisioning.scriptSeconds} s (overhead ratio ${provisioning.overheadRatio})`,
  ],
  [
    'script 1 node / 5 nodes (this machine)',
    `${provisioning.scriptOneNodeSeconds} s / ${provisioning.scriptSeconds} s (ratio ${provisioning.scriptRatio}; medians of ${provisioning.rounds} rounds)`,
  ],
  ['events p50 / p99', `${events.p50Ms} ms / ${events.p99Ms} ms over ${events.samples} changes`],
  ['memory api / worker', `${memory.apiRssMb} MB / ${memory.workerRssMb} MB`],
  ...targets.map(([name, met]): [string, string] => [`target: ${name}`, met ? 'met' : 'NOT MET']),
];
const width = Math.max(...rows.map(([name]) => name.length));
for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);

const result = {
  api: {
    rps: api.rps,
    baselineRps: api.baselineRps,
    ratio: api.ratio,
    p50Ms: api.p50Ms,
    p99Ms: api.p99Ms,
    concurrency: api.concurrency,
  },
  provisioning: {
    nodes: 5,
    seconds: provisioning.seconds,
    oneNodeSeconds: provisioning.oneNodeSeconds,
    ratio: provisioning.ratio,
    scriptSeconds: provisioning.scriptSeconds,
    overheadRatio: provisioning.overheadRatio,
    scriptOneNodeSeconds: provisioning.scriptOneNodeSeconds,
    scriptRatio: provisioning.scriptRatio,
  },
  events: { p50Ms: events.p50Ms, p99Ms: events.p99Ms },
  memory,
};

const resultsFile = join(repoRoot, 'bench/RESULTS.md');
const header = `# Benchmark results

One row per \`pnpm bench\` run (appended by the harness). Targets on the 2-core machine: API
ratio ≥ 0.7 and p99 ≤ 25 ms; provisioning ratio ≤ 1.3 and overheadRatio ≤ 1.2; events p99 ≤
250 ms; API and worker each under 200 MB. See the notes below the table for what each figure is.

| date | api rps | baseline rps | ratio | p50 ms | p99 ms | prov 1 node s | prov 5 nodes s | ratio | script s | overhead | events p50 ms | events p99 ms | api MB | worker MB | targets not met |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
`;
const missed = targets.filter(([, met]) => !met).map(([name]) => name);
const row = [
  new Date().toISOString().slice(0, 16).replace('T', ' '),
  api.rps,
  api.baselineRps,
  api.ratio,
  api.p50Ms,
  api.p99Ms,
  provisioning.oneNodeSeconds,
  provisioning.seconds,
  provisioning.ratio,
  provisioning.scriptSeconds,
  provisioning.overheadRatio,
  events.p50Ms,
  events.p99Ms,
  memory.apiRssMb,
  memory.workerRssMb,
  missed.length ? missed.join('; ') : 'none',
];
// The new row goes under the table's last row, above the notes that follow the table.
const existing = await readFile(resultsFile, 'utf8').catch(() => '');
const lines = (existing.includes('| date |') ? existing : `${existing}${header}`).split('\n');
const lastRow = lines.findLastIndex((line) => line.startsWith('|'));
lines.splice(lastRow + 1, 0, `| ${row.join(' | ')} |`);
await writeFile(resultsFile, lines.join('\n'));
console.log(JSON.stringify(result));
