// `pnpm bench scale`: provisioning at scale on the testbed, each part on a control plane, a
// database and servers of its own.
//
// 1. A Swarm of BENCH_SCALE_SERVERS servers (default 50, BENCH_SCALE_MANAGERS = 3 of them
//    managers) formed by the hand-written parallel ssh script (bench/provision-by-hand.sh, joins
//    paced at BENCH_SCALE_JOINS = 10 in flight, the most Flotilla lets through one manager), then
//    on the same servers through the API (`cluster.create` → `running`). Both are checked with
//    `docker node ls` on the first manager (every server Ready). Reported: both times and their
//    ratio, the step timeline of the node that was Ready last, the SSH connections the first
//    manager saw (sampled with `ss` in its network namespace), and from the step log any node
//    attempt that failed on an SSH handshake, and any retry.
// 2. BENCH_SCALE_CLUSTERS (default 100) one-node clusters: first each server's swarm formed by
//    a parallel ssh loop (`docker swarm init`, BENCH_SCALE_INITS = 32 at once, as many as a
//    worker forms by default), every server then leaving it again; then the same clusters
//    created at once through the API: the time until all are `running`, and from the step log
//    that each had exactly one `swarm.init` and no attempt was retried.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase } from '@flotilla/db/testing';
import { ApiError, type ControlPlane, call, repoRoot, startControlPlane } from '@flotilla/harness';
import { createTestbed, generateKeyPair, type KeyPair, type Testbed } from '@flotilla/testbed';
import postgres from 'postgres';

const run = promisify(execFile);

export interface ScaleRun {
  servers: number;
  managers: number;
  /** `cluster.create` → `running`, seconds. */
  seconds: number;
  /** The script, seconds. */
  scriptSeconds: number;
  ratio: number;
  /** Node attempts that failed on an SSH handshake, from the step log. */
  handshakeFailures: number;
  /** Attempts retried (node.retry lines) and steps that failed, from the step log. */
  retries: number;
  failedSteps: number;
  /** Distinct SSH connections the first manager saw during each run. */
  managerConnections: { ours: number; script: number };
  clusters: number;
  /** All `clusters` one-node clusters `running`, seconds after the first request. */
  clustersSeconds: number;
  /** The same swarms formed by the parallel ssh loop, seconds. */
  clustersScriptSeconds: number;
  /** Clusters with exactly one `swarm.init` that formed a swarm. */
  clustersInitOnce: number;
  clustersRetries: number;
  /** Creates the API answered 503 (its database pool busy), sent again after a pause. */
  clustersBusyAnswers: number;
  timeline: string[];
}

const round = (n: number) => Math.round(n * 100) / 100;
const offset = (ms: number) => `+${(ms / 1000).toFixed(1)}`;
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
/** Progress on stderr: a scale run takes minutes. */
const progress = (message: string) =>
  console.error(`${new Date().toISOString().slice(11, 19)} scale: ${message}`);

export async function benchScale(): Promise<ScaleRun> {
  const servers = env('BENCH_SCALE_SERVERS', 50);
  const managers = env('BENCH_SCALE_MANAGERS', 3);
  const joins = env('BENCH_SCALE_JOINS', 10);
  const clusters = env('BENCH_SCALE_CLUSTERS', 100);
  const inits = env('BENCH_SCALE_INITS', 32);
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-bench-scale-'));
  const keys = await generateKeyPair();
  const keyPath = join(dir, 'id_ed25519');
  await writeFile(keyPath, keys.privateKey, { mode: 0o600 });
  try {
    const swarm = await oneBigSwarm({ servers, managers, joins, keys, keyPath });
    // BENCH_SCALE_CLUSTERS=0: the big swarm alone (for iterating on it).
    const many =
      clusters > 0
        ? await manyClusters({ clusters, inits, keys, keyPath })
        : {
            clustersSeconds: 0,
            clustersScriptSeconds: 0,
            clustersInitOnce: 0,
            clustersRetries: 0,
            clustersBusyAnswers: 0,
            timeline: [],
          };
    return {
      servers,
      managers,
      ...swarm,
      ratio: round(swarm.seconds / swarm.scriptSeconds),
      clusters,
      ...many,
      timeline: [...swarm.timeline, ...many.timeline],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Stage {
  plane: ControlPlane;
  testbed: Testbed;
  sql: postgres.Sql;
  token: string;
  organizationId: string;
  sshKeyId: string;
  close(): Promise<void>;
}

/** A database, a control plane as `pnpm start` runs it, `hosts` servers, a user and an SSH key. */
async function stage(hosts: number, keys: KeyPair): Promise<Stage> {
  const database = await createTestDatabase();
  const plane = await startControlPlane({ databaseUrl: database.url });
  const testbed = await createTestbed({ hosts, authorizedKeys: [keys.publicKey] });
  const sql = postgres(database.url, { max: 2, onnotice: () => {} });
  const { token, organization } = await call<{ token: string; organization: { id: string } }>(
    plane.url,
    'auth.register',
    {
      input: {
        email: `bench-scale-${Date.now()}@example.com`,
        password: 'bench-password-1',
        name: 'Bench',
      },
    },
  );
  const sshKey = await call<{ id: string }>(plane.url, 'sshKey.create', {
    token,
    input: { organizationId: organization.id, name: 'bench', privateKey: keys.privateKey },
  });
  return {
    plane,
    testbed,
    sql,
    token,
    organizationId: organization.id,
    sshKeyId: sshKey.id,
    // Never throws: a teardown that fails must not hide why the run failed.
    async close() {
      for (const [what, step] of [
        ['control plane', () => plane.stop()],
        ['sql', () => sql.end()],
        ['testbed', () => testbed.destroy()],
        ['database', () => database.drop()],
      ] as const) {
        await step().catch((error: unknown) => progress(`${what} teardown failed: ${error}`));
      }
    },
  };
}

/**
 * Samples the SSH connections a server has open until stopped; resolves to how many it saw.
 * A sample that fails (the run failed and its servers are going) ends the watch.
 */
function watchConnections(testbed: Testbed, host: string) {
  const seen = new Set<string>();
  let watching = true;
  const done = (async () => {
    while (watching) {
      const out = await testbed
        .exec(host, "ss -Htn state established '( sport = :22 )'")
        .catch(() => undefined);
      if (!out) return;
      for (const line of out.stdout.split('\n')) {
        const peer = line.trim().split(/\s+/).at(-1);
        if (peer) seen.add(peer);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  return async () => {
    watching = false;
    await done;
    return seen.size;
  };
}

/** Runs `work` over `items`, at most `width` at once. */
async function bounded<T, R>(items: T[], width: number, work: (item: T) => Promise<R>) {
  const results: R[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let i = next++; i < items.length; i = next++) {
        results[i] = await work(items[i] as T);
      }
    }),
  );
  return results;
}

async function readyCount(testbed: Testbed, host: string): Promise<number> {
  const out = await testbed.exec(host, "docker node ls --format '{{.Status}}'");
  if (out.code !== 0) throw new Error(`docker node ls on ${host}: ${out.stderr}`);
  return out.stdout.split('\n').filter((line) => line.trim() === 'Ready').length;
}

async function oneBigSwarm({
  servers,
  managers,
  joins,
  keys,
  keyPath,
}: {
  servers: number;
  managers: number;
  joins: number;
  keys: KeyPair;
  keyPath: string;
}) {
  const s = await stage(servers, keys);
  try {
    const hosts = s.testbed.hosts;
    const first = hosts[0];
    if (!first) throw new Error('no servers');

    progress(`${servers} servers up; the script forms the swarm`);
    // The script first; then every server leaves its swarm again.
    const scriptConnections = watchConnections(s.testbed, first.name);
    const scriptStarted = performance.now();
    const scriptEpoch = Date.now();
    const { stdout } = await run(
      join(repoRoot, 'bench/provision-by-hand.sh'),
      [keyPath, ...hosts.map((h) => h.host)],
      { env: { ...process.env, MANAGERS: String(managers), JOINS: String(joins) } },
    );
    const scriptSeconds = (performance.now() - scriptStarted) / 1000;
    const script = await scriptConnections();
    const scriptReady = await readyCount(s.testbed, first.name);
    if (scriptReady !== servers) throw new Error(`script: ${scriptReady} of ${servers} Ready`);
    const phases = stdout
      .trim()
      .split('\n')
      .map((line) => line.split(' '))
      .map(([phase, at]) => `${phase} ${offset(Number(at) * 1000 - scriptEpoch)}`);
    progress(`script: ${round(scriptSeconds)} s; every server leaves the swarm again`);
    await bounded(hosts, 10, (h) => s.testbed.exec(h.name, 'docker swarm leave --force'));
    progress('Flotilla forms the swarm');

    const ourConnections = watchConnections(s.testbed, first.name);
    const started = performance.now();
    const startedEpoch = Date.now();
    const cluster = await call<{ id: string }>(s.plane.url, 'cluster.create', {
      token: s.token,
      input: {
        organizationId: s.organizationId,
        name: 'big',
        provider: 'ssh',
        orchestrator: 'swarm',
        sshKeyId: s.sshKeyId,
        nodes: hosts.map((host, i) => ({
          role: i < managers ? 'manager' : 'worker',
          host: host.host,
          port: host.port,
          user: host.user,
        })),
      },
    });
    progress(`cluster.create answered after ${round((performance.now() - started) / 1000)} s`);
    await waitRunning(s, [cluster.id], 900_000);
    const seconds = (performance.now() - started) / 1000;
    const ours = await ourConnections();
    progress(`Flotilla: ${round(seconds)} s`);
    const ready = await readyCount(s.testbed, first.name);
    if (ready !== servers) throw new Error(`Flotilla: ${ready} of ${servers} Ready`);

    const [log] = await s.sql<{ handshakes: number; retries: number; failed: number }[]>`
      select
        count(*) filter (where message ilike '%handshake%')::int as handshakes,
        count(*) filter (where step = 'node.retry')::int as retries,
        count(*) filter (where level = 'error')::int as failed
      from "ProvisioningLog" where "clusterId" = ${cluster.id}`;
    const timeline = await slowestNode(s.sql, cluster.id, startedEpoch);
    // Said at once: the second part takes minutes more, and may fail on its own.
    progress(
      `ratio ${round(seconds / scriptSeconds)}; connections ${ours} (script ${script}); ` +
        `handshake failures ${log?.handshakes}, retries ${log?.retries}, failed steps ${log?.failed}`,
    );
    for (const line of timeline) progress(line);
    return {
      seconds: round(seconds),
      scriptSeconds: round(scriptSeconds),
      handshakeFailures: log?.handshakes ?? 0,
      retries: log?.retries ?? 0,
      failedSteps: log?.failed ?? 0,
      managerConnections: { ours, script },
      timeline: [
        `${servers} servers (${managers} managers), seconds after the request:`,
        ...timeline,
        `script  ${phases.join(' · ')}`,
      ],
    };
  } finally {
    await s.close();
  }
}

/** The node that was Ready last, step by step, and where the others were by then. */
async function slowestNode(sql: postgres.Sql, clusterId: string, startedEpoch: number) {
  const lines = await sql<
    { name: string; ordinal: number; step: string; level: string; at: Date; message: string }[]
  >`
    select n.name, n.ordinal, l.step, l.level, l."createdAt" as at, l.message
    from "ProvisioningLog" l join "Node" n on n.id = l."nodeId"
    where l."clusterId" = ${clusterId} order by l.id`;
  const readyAt = new Map<string, number>();
  for (const line of lines) {
    if (line.step === 'node.ready') readyAt.set(line.name, line.at.getTime() - startedEpoch);
  }
  const sorted = [...readyAt.values()].sort((a, b) => a - b);
  const [slowest] = [...readyAt.entries()].sort((a, b) => b[1] - a[1]);
  if (!slowest) return ['no node reported Ready'];
  const steps = lines
    .filter((line) => line.name === slowest[0])
    .map((line) => `${line.step} ${offset(line.at.getTime() - startedEpoch)}`);
  const join = lines.find((line) => line.name === slowest[0] && line.step === 'swarm.join');
  const stepsOf = (name: string) =>
    lines
      .filter((line) => line.name === name)
      .map((line) => `${line.step} ${offset(line.at.getTime() - startedEpoch)}`);
  const first = lines.find((line) => line.ordinal === 1)?.name;
  const trouble = lines
    .filter((line) => line.step === 'node.retry' || line.level === 'error')
    .map((line) => `  ${line.name} ${line.step}: ${line.message.slice(0, 300)}`);
  return [
    ...(first && first !== slowest[0] ? [`first ${first}  ${stepsOf(first).join(' · ')}`] : []),
    `slowest ${slowest[0]}  ${steps.join(' · ')}`,
    ...(join ? [`  its join: ${join.message}`] : []),
    ...trouble,
    `node.ready: first ${offset(sorted[0] ?? 0)}, median ${offset(sorted[Math.floor(sorted.length / 2)] ?? 0)}, last ${offset(sorted.at(-1) ?? 0)}`,
  ];
}

async function manyClusters({
  clusters,
  inits,
  keys,
  keyPath,
}: {
  clusters: number;
  inits: number;
  keys: KeyPair;
  keyPath: string;
}) {
  const s = await stage(clusters, keys);
  try {
    progress(`${clusters} servers up; the script forms ${clusters} one-node swarms`);
    const scriptStarted = performance.now();
    await bounded(s.testbed.hosts, inits, (host) =>
      run('ssh', [
        ...['-i', keyPath, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null'],
        ...['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '-o', 'LogLevel=ERROR'],
        `root@${host.host}`,
        `docker info >/dev/null && docker swarm init --advertise-addr ${host.host} >/dev/null`,
      ]),
    );
    const scriptSeconds = (performance.now() - scriptStarted) / 1000;
    progress(`script: ${round(scriptSeconds)} s; every server leaves its swarm again`);
    await bounded(s.testbed.hosts, 10, (h) => s.testbed.exec(h.name, 'docker swarm leave --force'));
    progress(`${clusters} one-node clusters created at once through the API`);
    const started = performance.now();
    let busy = 0;
    const created = await Promise.all(
      s.testbed.hosts.map(async (host, i) => {
        // As a client should: a 503 (the API's database pool busy; Retry-After: 2) is sent again
        // after 2 s; the Idempotency-Key keeps a retried create one cluster.
        for (let attempt = 1; ; attempt++) {
          try {
            return await call<{ id: string }>(s.plane.url, 'cluster.create', {
              token: s.token,
              headers: { 'idempotency-key': `bench-scale-c${i + 1}` },
              input: {
                organizationId: s.organizationId,
                name: `c${i + 1}`,
                provider: 'ssh',
                orchestrator: 'swarm',
                sshKeyId: s.sshKeyId,
                nodes: [{ role: 'manager', host: host.host, port: host.port, user: host.user }],
              },
            });
          } catch (error) {
            if (!(error instanceof ApiError) || error.status !== 503 || attempt >= 5) throw error;
            busy++;
            await new Promise((resolve) => setTimeout(resolve, 2_000));
          }
        }
      }),
    );
    await waitRunning(
      s,
      created.map((c) => c.id),
      900_000,
    );
    const seconds = (performance.now() - started) / 1000;
    const perCluster = await s.sql<{ inits: number; retries: number }[]>`
      select
        (select count(*)::int from "ProvisioningLog" l where l."clusterId" = c.id
          and l.step = 'swarm.init' and l.level = 'info'
          and l.message like 'swarm initialised%') as inits,
        (select count(*)::int from "ProvisioningLog" l where l."clusterId" = c.id
          and (l.step = 'node.retry' or l.level = 'error')) as retries
      from "Cluster" c`;
    const alone = await bounded(s.testbed.hosts, 10, (h) => readyCount(s.testbed, h.name));
    const notAlone = alone.filter((n) => n !== 1).length;
    if (notAlone > 0) throw new Error(`${notAlone} servers are not a swarm of one Ready node`);
    return {
      clustersSeconds: round(seconds),
      clustersScriptSeconds: round(scriptSeconds),
      clustersInitOnce: perCluster.filter((c) => c.inits === 1).length,
      clustersRetries: perCluster.reduce((n, c) => n + c.retries, 0),
      clustersBusyAnswers: busy,
      timeline: [
        `${clusters} one-node clusters at once: all running after ${round(seconds)} s ` +
          `(the script: ${round(scriptSeconds)} s), ` +
          `${perCluster.filter((c) => c.inits === 1).length} with exactly one swarm.init; ` +
          `${busy} creates answered 503 (database busy) and sent again`,
      ],
    };
  } finally {
    await s.close();
  }
}

async function waitRunning(s: Stage, ids: string[], timeoutMs: number): Promise<void> {
  const wanted = new Set(ids);
  const until = Date.now() + timeoutMs;
  for (;;) {
    const rows = await s.sql<{ id: string; status: string; statusReason: string | null }[]>`
      select id, status, "statusReason" from "Cluster" where id in ${s.sql([...wanted])}`;
    const failed = rows.filter((c) => c.status === 'error' || c.status === 'degraded');
    if (failed.length > 0) {
      throw new Error(`clusters failed: ${failed.map((c) => c.statusReason).join('; ')}`);
    }
    if (rows.length === wanted.size && rows.every((c) => c.status === 'running')) return;
    if (Date.now() > until) {
      const running = rows.filter((c) => c.status === 'running').length;
      throw new Error(`${running} of ${wanted.size} clusters running after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
