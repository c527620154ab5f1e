// Provisioning time on the testbed: from `POST /api/cluster.create` until the cluster is
// `running`, for 1 node and for 5 nodes (parallel provisioning keeps the ratio near 1), and
// the same 5-node Swarm formed by a hand-written parallel shell script over plain ssh.
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
}

const round = (n: number) => Math.round(n * 100) / 100;

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

    const timeCluster = async (name: string, count: number): Promise<number> => {
      const startedAt = performance.now();
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
      await call(plane.url, 'cluster.remove', {
        token,
        method: 'DELETE',
        input: { clusterId: cluster.id },
      });
      await waitGone(plane.url, token, cluster.id);
      return seconds;
    };

    const oneNodeSeconds = await timeCluster('bench-one', 1);
    const seconds = await timeCluster('bench-five', 5);

    const scriptStarted = performance.now();
    await run(join(repoRoot, 'bench/provision-by-hand.sh'), [keyPath, ...hosts.map((h) => h.host)]);
    const scriptSeconds = (performance.now() - scriptStarted) / 1000;
    await Promise.all(hosts.map((h) => testbed?.exec(h.name, 'docker swarm leave --force')));

    return {
      seconds: round(seconds),
      oneNodeSeconds: round(oneNodeSeconds),
      ratio: round(seconds / oneNodeSeconds),
      scriptSeconds: round(scriptSeconds),
      overheadRatio: round(seconds / scriptSeconds),
    };
  } finally {
    await testbed?.destroy();
    await rm(dir, { recursive: true, force: true });
  }
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
