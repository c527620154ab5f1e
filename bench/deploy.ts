// Deploy-to-serving: a 3-replica app through the API (`POST /api/v1/apps`, then the worker
// resolves the digest, creates the service and proves it came up) until every server answers on
// its published port — against the same service made by a hand-written `docker service create`
// over ssh, on the same 3-node testbed Swarm, in the same run, rounds interleaved, medians kept.
// The image comes from the testbed registry with credentials, as in production.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ControlPlane, call, eventually } from '@flotilla/harness';
import { createTestbed, generateKeyPair, type Testbed } from '@flotilla/testbed';

/** One command over plain ssh, as a script runs it, with `input` on its stdin. */
function ssh(keyPath: string, host: string, command: string, input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'ssh',
      [
        '-i',
        keyPath,
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'BatchMode=yes',
        '-o',
        'LogLevel=ERROR',
        `root@${host}`,
        command,
      ],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`ssh ${host}: exit ${code}: ${stderr.trim()}`)),
    );
    child.stdin.end(input);
  });
}

export interface DeployRun {
  /** Median seconds from the create request until all 3 servers answer. */
  seconds: number;
  /** Median seconds until the deployment is `active` (judged by the worker). */
  activeSeconds: number;
  /** Median seconds of `docker service create` over ssh until all 3 servers answer. */
  byHandSeconds: number;
  ratio: number;
  rounds: number;
}

const round = (n: number) => Math.round(n * 100) / 100;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};
const rounds = Number(process.env.BENCH_DEPLOY_ROUNDS ?? 3);

/** What a server answers on `port`, or null while nothing does. */
function answer(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/', agent: false, timeout: 1_000 }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve(res.statusCode === 200 ? body.trim() : null));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

/** Polls every 50 ms until each of `hosts` answers `body` on `port`; seconds since `from`. */
async function servedAt(
  hosts: string[],
  port: number,
  body: string,
  from: number,
): Promise<number> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const seen = await Promise.all(hosts.map((h) => answer(h, port)));
    if (seen.every((s) => s === body)) return (performance.now() - from) / 1000;
    if (Date.now() > deadline) throw new Error(`port ${port} never served ${body}: ${seen}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function rest<T>(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; data: T }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
  const parsed = text ? JSON.parse(text) : undefined;
  return { status: res.status, data: (parsed?.result?.data ?? parsed) as T };
}

export async function benchDeploy({ plane }: { plane: ControlPlane }): Promise<DeployRun> {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-bench-deploy-'));
  const keyPath = join(dir, 'id_ed25519');
  const { privateKey, publicKey } = await generateKeyPair();
  await writeFile(keyPath, privateKey, { mode: 0o600 });
  let testbed: Testbed | undefined;
  try {
    testbed = await createTestbed({ hosts: 3, authorizedKeys: [publicKey], registryAuth: true });
    const hosts = testbed.hosts.map((h) => h.host);
    const manager = hosts[0] as string;
    const registry = testbed.registry;
    const { token, organization } = await call<{ token: string; organization: { id: string } }>(
      plane.url,
      'auth.register',
      {
        input: {
          email: `bench-deploy-${Date.now()}@example.com`,
          password: 'bench-password-1',
          name: 'Bench',
        },
      },
    );
    const sshKey = await call<{ id: string }>(plane.url, 'sshKey.create', {
      token,
      input: { organizationId: organization.id, name: 'bench', privateKey },
    });
    const [images, cluster] = await Promise.all([
      testbed.images(),
      call<{ id: string }>(plane.url, 'cluster.create', {
        token,
        input: {
          organizationId: organization.id,
          name: 'bench-apps',
          provider: 'ssh',
          orchestrator: 'swarm',
          sshKeyId: sshKey.id,
          nodes: testbed.hosts.map((host, i) => ({
            role: i === 0 ? 'manager' : 'worker',
            host: host.host,
            port: host.port,
            user: host.user,
          })),
        },
      }),
    ]);
    await eventually(
      'the bench cluster running',
      async () => {
        const got = await call<{ status: string }>(plane.url, 'cluster.one', {
          token,
          method: 'GET',
          input: { clusterId: cluster.id },
        });
        return got.status === 'running' ? true : undefined;
      },
      { timeoutMs: 300_000 },
    );
    await call(plane.url, 'registry.create', {
      token,
      input: {
        organizationId: organization.id,
        name: 'testbed',
        server: registry.address,
        username: registry.username,
        password: registry.password,
        makeDefault: true,
      },
    });
    const image = images.httpV1.name;

    // By hand: what a deploy script does — log in, create the service, log out.
    const byHand = async (name: string, port: number): Promise<number> => {
      const started = performance.now();
      await ssh(
        keyPath,
        manager,
        `docker login -u ${registry.username} --password-stdin ${registry.address} >/dev/null && ` +
          `docker service create -d -q --with-registry-auth --name ${name} --replicas 3 ` +
          `--publish mode=host,published=${port},target=80 ${image} >/dev/null && ` +
          `docker logout ${registry.address} >/dev/null`,
        registry.password ?? '',
      );
      const seconds = await servedAt(hosts, port, 'v1', started);
      await testbed?.exec(testbed.hosts[0]!.name, `docker service rm ${name} >/dev/null`);
      await waitPortFree(hosts, port);
      return seconds;
    };

    // Ours: the apps page's own request, then the worker does the rest.
    const ours = async (name: string): Promise<{ serving: number; active: number }> => {
      const started = performance.now();
      const app = await rest<{ id: string; published_port: number }>(
        plane.url,
        token,
        'POST',
        '/api/v1/apps',
        {
          cluster_id: cluster.id,
          name,
          source_type: 'image',
          image_url: image,
          port: 80,
          replicas: 3,
        },
      );
      const port = app.data.published_port;
      const serving = await servedAt(hosts, port, 'v1', started);
      const active = await eventually(
        `${name} active`,
        async () => {
          const list = await rest<{ status: string; reason: string | null }[]>(
            plane.url,
            token,
            'GET',
            `/api/v1/apps/${app.data.id}/deployments`,
          );
          const [latest] = list.data;
          if (latest && ['failed', 'cancelled'].includes(latest.status)) {
            throw new Error(`${name}: deployment ${latest.status}: ${latest.reason}`);
          }
          return latest?.status === 'active' ? (performance.now() - started) / 1000 : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 50 },
      );
      await rest(plane.url, token, 'DELETE', `/api/v1/apps/${app.data.id}`);
      await eventually(
        `${name} removed`,
        async () => {
          const res = await fetch(`${plane.url}/api/v1/apps/${app.data.id}`, {
            headers: { authorization: `Bearer ${token}` },
          });
          return res.status === 404 ? true : undefined;
        },
        { timeoutMs: 120_000 },
      );
      await waitPortFree(hosts, port);
      return { serving, active };
    };

    // A first round untimed: every server pulls the image once, for both alike.
    await ours('warm-up');
    const byHandRuns: number[] = [];
    const ourRuns: { serving: number; active: number }[] = [];
    for (let r = 0; r < rounds; r++) {
      byHandRuns.push(await byHand(`byhand-${r}`, 31_500 + r));
      ourRuns.push(await ours(`bench-${r}`));
    }
    const seconds = median(ourRuns.map((o) => o.serving));
    const byHandSeconds = median(byHandRuns);
    return {
      seconds: round(seconds),
      activeSeconds: round(median(ourRuns.map((o) => o.active))),
      byHandSeconds: round(byHandSeconds),
      ratio: round(seconds / byHandSeconds),
      rounds,
    };
  } finally {
    await testbed?.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Until no server answers on the port any more (the last tasks have stopped). */
async function waitPortFree(hosts: string[], port: number): Promise<void> {
  await eventually(
    `port ${port} free`,
    async () =>
      (await Promise.all(hosts.map((h) => answer(h, port)))).every((a) => a === null)
        ? true
        : undefined,
    { timeoutMs: 60_000, intervalMs: 100 },
  );
}
