// Provisioning time on the testbed: from `POST /api/cluster.create` until the cluster is
// `running`, for 1 node and for 5 nodes (parallel provisioning keeps the ratio near 1), and
// the same Swarms (1 and 5 nodes) formed by a hand-written parallel shell script over plain ssh.
// Each is timed in several interleaved rounds and the median kept: one run on a busy 2-core
// machine swings by seconds. The script's own 5-node / 1-node ratio shows how much of our
// ratio is this machine (five servers' dockerd sharing two cores) rather than Flotilla.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type ControlPlane, call, repoRoot } from '@flotilla/harness';
import { createTestbed, generateKeyPair, type Testbed } from '@flotilla/testbed';

const run = promisify(execFile);

export interface ProvisioningRun {
  seconds: number;
  oneNodeSeconds: number;
  ratio: number;
  scriptSeconds: number;
  overheadRatio: number;
  scriptOneNodeSeconds: number;
  scriptRatio: number;
  rounds: number;
  /** Where the median runs' time went: each node's steps, and the script's phases. */
  timeline: string[];
}

interface Timed {
  seconds: number;
  timeline: string[];
}

const round = (n: number) => Math.round(n * 100) / 100;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};
const rounds = Number(process.env.BENCH_PROVISIONING_ROUNDS ?? 3);

export async function benchProvisioning({
  plane,
}: {
  plane: ControlPlane;
}): Promise<ProvisioningRun> {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-bench-'));
  const keyPath = join(dir, 'id_ed25519');
  const { privateKey, publicKey } = await generateKeyPair();
  // The hand-written script's ssh reads the same key from disk.
  await writeFile(keyPath, privateKey, { mode: 0o600 });
  let testbed: Testbed | undefined;
  try {
    testbed = await createTestbed({ hosts: 5, authorizedKeys: [publicKey] });
    const hosts = testbed.hosts;
    const { token, organization } = await call<{ token: string; organization: { id: string } }>(
      plane.url,
      'auth.register',
      {
        input: {
          email: `bench-${Date.now()}@example.com`,
          password: 'bench-password-1',
          name: 'Bench',
        },
      },
    );
    const sshKey = await call<{ id: string }>(plane.url, 'sshKey.create', {
      token,
      input: { organizationId: organization.id, name: 'bench', privateKey },
    });

    const timeCluster = async (name: string, count: number): Promise<Timed> => {
      const startedAt = performance.now();
      const startedEpoch = Date.now();
      const cluster = await call<{ id: string }>(plane.url, 'cluster.create', {
        token,
        input: {
          organizationId: organization.id,
          name,
          provider: 'ssh',
          orchestrator: 'swarm',
          sshKeyId: sshKey.id,
          nodes: hosts.slice(0, count).map((host, i) => ({
            role: i === 0 ? 'manager' : 'worker',
            host: host.host,
            port: host.port,
            user: host.user,
          })),
        },
      });
      const seconds = await waitForStatus(plane.url, token, cluster.id, 'running', startedAt);
      const timeline = await stepTimeline(plane.url, token, cluster.id, startedEpoch);
      await call(plane.url, 'cluster.remove', {
        token,
        method: 'DELETE',
        input: { clusterId: cluster.id },
      });
      await waitGone(plane.url, token, cluster.id);
      return { seconds, timeline };
    };

    const timeScript = async (count: number): Promise<Timed> => {
      const started = performance.now();
      const startedEpoch = Date.now();
      const { stdout } = await run(join(repoRoot, 'bench/provision-by-hand.sh'), [
        keyPath,
        ...hosts.slice(0, count).map((h) => h.host),
      ]);
      const seconds = (performance.now() - started) / 1000;
      await Promise.all(hosts.map((h) => testbed?.exec(h.name, 'docker swarm leave --force')));
      const phases = stdout
        .trim()
        .split('\n')
        .map((line) => line.split(' '))
        .map(([phase, at]) => `${phase} ${offset(Number(at) * 1000 - startedEpoch)}`);
      return { seconds, timeline: [`script  ${phases.join(' · ')}`] };
    };

    const ours1: Timed[] = [];
    const ours5: Timed[] = [];
    const script1: Timed[] = [];
    const script5: Timed[] = [];
    for (let r = 0; r < rounds; r++) {
      ours1.push(await timeCluster(`bench-one-${r}`, 1));
      ours5.push(await timeCluster(`bench-five-${r}`, 5));
      script1.push(await timeScript(1));
      script5.push(await timeScript(5));
    }
    const [oneNodeSeconds, seconds, scriptOneNodeSeconds, scriptSeconds] = [
      ours1,
      ours5,
      script1,
      script5,
    ].map((runs) => median(runs.map((t) => t.seconds))) as [number, number, number, number];
    const medianRun = (runs: Timed[], value: number) =>
      runs.find((t) => t.seconds === value)?.timeline ?? [];

    return {
      seconds: round(seconds),
      oneNodeSeconds: round(oneNodeSeconds),
      ratio: round(seconds / oneNodeSeconds),
      scriptSeconds: round(scriptSeconds),
      overheadRatio: round(seconds / scriptSeconds),
      scriptOneNodeSeconds: round(scriptOneNodeSeconds),
      scriptRatio: round(scriptSeconds / scriptOneNodeSeconds),
      rounds,
      timeline: [
        '1 node:',
        ...medianRun(ours1, oneNodeSeconds),
        ...medianRun(script1, scriptOneNodeSeconds),
        '5 nodes:',
        ...medianRun(ours5, seconds),
        ...medianRun(script5, scriptSeconds),
      ],
    };
  } finally {
    await testbed?.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

const offset = (ms: number) => `+${(ms / 1000).toFixed(2)}`;

/**
 * One line per node: each step and when it ended, in seconds after the create request (from
 * the cluster's own provisioning log, as `cluster.logs` returns it).
 */
async function stepTimeline(
  url: string,
  token: string,
  clusterId: string,
  startedEpoch: number,
): Promise<string[]> {
  const [cluster, logs] = await Promise.all([
    call<{ nodes: { id: string; name: string }[] }>(url, 'cluster.one', {
      token,
      method: 'GET',
      input: { clusterId },
    }),
    call<{ items: { nodeId: string | null; step: string; createdAt: string }[] }>(
      url,
      'cluster.logs',
      { token, method: 'GET', input: { clusterId, limit: 500 } },
    ),
  ]);
  return cluster.nodes.map((node) => {
    const steps = logs.items
      .filter((line) => line.nodeId === node.id)
      .map((line) => `${line.step} ${offset(Date.parse(line.createdAt) - startedEpoch)}`);
    return `${node.name}  ${steps.join(' · ')}`;
  });
}

async function waitForStatus(
  url: string,
  token: string,
  clusterId: string,
  status: string,
  startedAt: number,
): Promise<number> {
  const until = Date.now() + 180_000;
  for (;;) {
    const cluster = await call<{ status: string; statusReason: string | null }>(
      url,
      'cluster.one',
      { token, method: 'GET', input: { clusterId } },
    );
    if (cluster.status === status) return (performance.now() - startedAt) / 1000;
    if (cluster.status === 'error') throw new Error(`cluster failed: ${cluster.statusReason}`);
    if (Date.now() > until) throw new Error(`cluster still ${cluster.status} after 180 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitGone(url: string, token: string, clusterId: string): Promise<void> {
  const until = Date.now() + 120_000;
  for (;;) {
    const res = await fetch(`${url}/api/cluster.one?clusterId=${clusterId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status === 404) return;
    if (Date.now() > until) throw new Error('cluster was never deleted');
    await new Promise((r) => setTimeout(r, 200));
  }
}
