// `pnpm bench`: the API, provisioning, event stream and app deploys measured against baselines in
// the same run on the same machine. Sets up its own database and testbeds, cleans up after itself,
// prints a table and, as its very last line, one JSON object. Each run is appended to
// bench/RESULTS.md.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestDatabase } from '@flotilla/db/testing';
import { repoRoot, rssMb, startControlPlane } from '@flotilla/harness';
import { type ApiRun, benchApi } from './api.ts';
import { benchDeploy, type DeployRun } from './deploy.ts';
import { benchEvents, type EventsRun } from './events.ts';
import { benchProvisioning, type ProvisioningRun } from './provisioning.ts';
import { benchScale } from './scale.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const resultsFile = join(repoRoot, 'bench/RESULTS.md');

/** Appends a row under the last row of the table whose header line starts with `header`. */
async function appendRow(header: string, cells: (string | number)[]) {
  const lines = (await readFile(resultsFile, 'utf8')).split('\n');
  const start = lines.findIndex((line) => line.startsWith(header));
  if (start < 0) throw new Error(`bench/RESULTS.md has no table "${header}"`);
  let last = start + 1;
  while (lines[last + 1]?.startsWith('|')) last++;
  lines.splice(last + 1, 0, `| ${cells.join(' | ')} |`);
  await writeFile(resultsFile, lines.join('\n'));
}

const now = () => new Date().toISOString().slice(0, 16).replace('T', ' ');

// `pnpm bench scale`: the scale section alone (it makes its own control planes and servers, and
// is not part of a full `pnpm bench` run: 50 and then 100 servers take minutes and ~5 GB).
if (process.argv.includes('scale')) {
  const scale = await benchScale();
  const targets = [
    ['scale ratio ≤ 1.2', scale.ratio <= 1.2],
    ['no SSH handshake failure', scale.handshakeFailures === 0],
    ['all one-node clusters with one swarm.init', scale.clustersInitOnce === scale.clusters],
    ['no retries', scale.retries === 0 && scale.clustersRetries === 0],
  ] as const;
  console.log('\nwhere the time went (s after the request; script: phase ends)');
  for (const line of scale.timeline) console.log(`  ${line}`);
  const rows: [string, string][] = [
    [
      `${scale.servers}-server swarm (ours / script)`,
      `${scale.seconds} s / ${scale.scriptSeconds} s (ratio ${scale.ratio})`,
    ],
    [
      'SSH connections the first manager saw',
      `${scale.managerConnections.ours} (script: ${scale.managerConnections.script})`,
    ],
    [
      'handshake failures / retries / failed steps',
      `${scale.handshakeFailures} / ${scale.retries} / ${scale.failedSteps}`,
    ],
    [
      `${scale.clusters} one-node clusters at once`,
      `${scale.clustersSeconds} s (script: ${scale.clustersScriptSeconds} s); ` +
        `${scale.clustersInitOnce} with one swarm.init; ${scale.clustersRetries} retries`,
    ],
    ...targets.map(([name, met]): [string, string] => [`target: ${name}`, met ? 'met' : 'NOT MET']),
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
  const missed = targets.filter(([, met]) => !met).map(([name]) => name);
  await appendRow('| date | servers |', [
    now(),
    `${scale.servers} (${scale.managers} managers)`,
    scale.seconds,
    scale.scriptSeconds,
    scale.ratio,
    `${scale.managerConnections.ours} / ${scale.managerConnections.script}`,
    scale.handshakeFailures,
    scale.retries,
    scale.clusters,
    scale.clustersSeconds,
    scale.clustersScriptSeconds,
    scale.clustersInitOnce,
    scale.clustersRetries,
    missed.length ? missed.join('; ') : 'none',
  ]);
  const { timeline: _, ...figures } = scale;
  console.log(JSON.stringify({ scale: figures }));
  process.exit(0);
}

// `pnpm bench api` / `pnpm bench provisioning` / `pnpm bench deploy`: one section alone, for
// quick iterations on a hot path (nothing is appended to RESULTS.md).
const apiOnly = process.argv.includes('api');
const provisioningOnly = process.argv.includes('provisioning');
const deployOnly = process.argv.includes('deploy');
const database = await createTestDatabase();
// The testbed's kernel has no IPVS, so apps publish their ports in host mode (see
// @flotilla/deploy); its registry is on this machine's testbed address, which the network policy
// refuses as the control plane's own unless allowed.
const plane = await startControlPlane({
  databaseUrl: database.url,
  pin: true,
  env: { APP_PUBLISH_MODE: 'host', FLOTILLA_NETWORK_ALLOW: '10.201.0.0/16' },
});
let api: ApiRun | undefined;
let provisioning: ProvisioningRun | undefined;
let events: EventsRun | undefined;
let deploy: DeployRun | undefined;
let memory: { apiRssMb: number; workerRssMb: number } | undefined;
try {
  if (deployOnly) {
    deploy = await benchDeploy({ plane });
  } else if (provisioningOnly) {
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
    deploy = await benchDeploy({ plane });
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
if (deployOnly) {
  console.log(JSON.stringify({ deploy }));
  process.exit(0);
}
if (!api) {
  const { timeline: _, ...figures } = provisioning ?? { timeline: [] };
  console.log(JSON.stringify({ provisioning: figures, memory }));
  process.exit(0);
}
if (!provisioning || !events || !memory || !deploy) {
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
  ['deploy ratio ≤ 1.2', deploy.ratio <= 1.2],
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
  [
    'deploy-to-serving, 3 replicas (ours / by hand)',
    `${deploy.seconds} s / ${deploy.byHandSeconds} s = ${deploy.ratio} (active after ${deploy.activeSeconds} s; medians of ${deploy.rounds})`,
  ],
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
  deploy,
  memory,
};

const header = `# Benchmark results

One row per \`pnpm bench\` run (appended by the harness). Targets on the 2-core machine: API
ratio ≥ 0.7 and p99 ≤ 25 ms; provisioning ratio ≤ 1.3 and overheadRatio ≤ 1.2; events p99 ≤
250 ms; deploy ratio ≤ 1.2; API and worker each under 200 MB. See the notes below the table for
what each figure is.

| date | api rps | baseline rps | ratio | p50 ms | p99 ms | prov 1 node s | prov 5 nodes s | ratio | script s | overhead | events p50 ms | events p99 ms | api MB | worker MB | deploy s | by hand s | deploy ratio | targets not met |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
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
  deploy.seconds,
  deploy.byHandSeconds,
  deploy.ratio,
  missed.length ? missed.join('; ') : 'none',
];
// The new row goes under the main table's last row (not the scale table's further down).
const existing = await readFile(resultsFile, 'utf8').catch(() => '');
if (!existing.includes('| date | api rps |')) await writeFile(resultsFile, `${existing}${header}`);
await appendRow('| date | api rps |', row);
console.log(JSON.stringify(result));
