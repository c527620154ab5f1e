import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { connect, type SshSession } from '@flotilla/ssh';
import {
  createTestbed,
  generateKeyPair,
  type KeyPair,
  k3sInstallerStandinPath,
  k3sStandinPath,
  type Testbed,
} from '@flotilla/testbed';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  installK3s,
  type K3sNode,
  k3sCordon,
  k3sDeleteNode,
  k3sDrain,
  k3sJoin,
  k3sJoinToken,
  k3sKubeconfig,
  k3sLabelNode,
  k3sNodes,
  k3sServerInit,
  k3sUninstall,
} from '../src/index.ts';
import { poll } from './poll.ts';

let testbed: Testbed;
let keys: KeyPair;
let sessions: SshSession[];
const source = { kind: 'artifact' as const, path: k3sStandinPath };
const clusterToken = randomBytes(16).toString('hex');

function open(host: { host: string; port: number; user: string }) {
  return connect({
    host: host.host,
    port: host.port,
    username: host.user,
    privateKey: keys.privateKey,
    timeoutMs: 5_000,
  });
}

const readiness = (nodes: K3sNode[]) =>
  Object.fromEntries(nodes.map((n) => [n.name, n.ready] as const));

beforeAll(async () => {
  keys = await generateKeyPair();
  testbed = await createTestbed({ hosts: 3, authorizedKeys: [keys.publicKey] });
  sessions = await Promise.all(testbed.hosts.map(open));
});

afterAll(async () => {
  await Promise.all((sessions ?? []).map((s) => s.close()));
  await testbed?.destroy();
});

describe('k3s bootstrap (stand-in binary)', () => {
  it('installs the binary from an artifact over SFTP, once', async () => {
    const results = await Promise.all(sessions.map((s) => installK3s(s, { source })));
    expect(results.map((r) => r.changed)).toEqual([true, true, true]);
    expect(await installK3s(sessions[0]!, { source })).toEqual({ changed: false });
    expect(await sessions[0]!.runOk('k3s --version')).toMatch(/^k3s version v1\./);
  });

  it('forms a cluster: first server, a second server and an agent, all Ready', async () => {
    const [a, b, c] = testbed.hosts;
    const init = { token: clusterToken, nodeName: a!.name, advertiseAddr: a!.host };
    expect(await k3sServerInit(sessions[0]!, init)).toEqual({ changed: true });
    expect(await k3sServerInit(sessions[0]!, init)).toEqual({ changed: false });
    // Others join with the secure token the first server wrote, as the worker does: the hash of
    // the CA it made, then the password it was started with.
    const token = await k3sJoinToken(sessions[0]!);
    expect(token).toMatch(/^K10[0-9a-f]{64}::server:/);
    expect(token.endsWith(`::server:${clusterToken}`)).toBe(true);

    const joinServer = {
      role: 'server' as const,
      serverAddr: a!.host,
      token,
      nodeName: b!.name,
      advertiseAddr: b!.host,
    };
    const joinAgent = {
      role: 'agent' as const,
      serverAddr: a!.host,
      token,
      nodeName: c!.name,
      advertiseAddr: c!.host,
    };
    expect(await k3sJoin(sessions[1]!, joinServer)).toEqual({ changed: true });
    expect(await k3sJoin(sessions[2]!, joinAgent)).toEqual({ changed: true });
    expect(await k3sJoin(sessions[2]!, joinAgent)).toEqual({ changed: false });

    const nodes = await vi.waitFor(async () => {
      const list = await k3sNodes(sessions[0]!);
      expect(list.map((n) => n.ready)).toEqual([true, true, true]);
      return list;
    }, poll);
    const byName = Object.fromEntries(nodes.map((n) => [n.name, n]));
    expect(byName[a!.name]).toMatchObject({
      address: a!.host,
      roles: ['control-plane', 'etcd', 'master'],
    });
    expect(byName[b!.name]?.roles).toContain('control-plane');
    expect(byName[c!.name]).toMatchObject({ address: c!.host, roles: [] });
    // The second server answers for the cluster too.
    expect((await k3sNodes(sessions[1]!)).map((n) => n.name).sort()).toEqual(
      testbed.hosts.map((h) => h.name).sort(),
    );
  });

  it('hands out a kubeconfig pointing at the server’s address', async () => {
    const kubeconfig = await k3sKubeconfig(sessions[0]!, { serverAddr: testbed.hosts[0]!.host });
    expect(kubeconfig).toContain(`server: https://${testbed.hosts[0]!.host}:6443`);
    expect(kubeconfig).not.toContain('127.0.0.1');
    expect(kubeconfig).toContain('client-key-data:');
  });

  it('the kubeconfig is good on every server’s API, and nothing answers without its certificate', async () => {
    const kubeconfig = await k3sKubeconfig(sessions[0]!, { serverAddr: testbed.hosts[0]!.host });
    const field = (name: string) =>
      Buffer.from(new RegExp(`${name}: (\\S+)`).exec(kubeconfig)?.[1] ?? '', 'base64');
    const ca = field('certificate-authority-data');
    const admin = { cert: field('client-certificate-data'), key: field('client-key-data') };
    // Through an SSH tunnel to the server's own 127.0.0.1:6443, as Flotilla reaches it, checking
    // the certificate against the kubeconfig's CA and the first server's address.
    const status = async (session: SshSession, credentials: { cert?: Buffer; key?: Buffer }) => {
      const tunnel = await session.openTcpTunnel('127.0.0.1', 6443);
      const socket = tlsConnect({
        socket: tunnel,
        ca,
        host: testbed.hosts[0]!.host,
        ...credentials,
      });
      return new Promise<number>((resolve, reject) => {
        socket.once('error', reject);
        const req = httpRequest(
          {
            createConnection: () => socket,
            path: '/api/v1/nodes',
            headers: { host: 'kubernetes' },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end();
      });
    };
    // The joined server serves with the cluster's CA, names the first server's address too, and
    // forwards as a front proxy.
    expect(await status(sessions[0]!, admin)).toBe(200);
    expect(await status(sessions[1]!, admin)).toBe(200);
    expect(await status(sessions[0]!, {})).toBe(401);
    expect(await status(sessions[1]!, {})).toBe(401);
  });

  it('refuses a wrong token without showing it: another CA’s hash, or a wrong password', async () => {
    const extra = await testbed.addHost();
    const session = await open(extra);
    const join = (token: string, role: 'server' | 'agent' = 'agent') =>
      k3sJoin(session, {
        role,
        serverAddr: testbed.hosts[0]!.host,
        token,
        nodeName: extra.name,
        advertiseAddr: extra.host,
        timeoutMs: 20_000,
      }).catch((e: unknown) => String(e));
    try {
      await installK3s(session, { source });
      // The server's CA is checked against the token's hash before the password is sent.
      const otherCa = await join(`K10${'0'.repeat(64)}::server:not-the-cluster-token`);
      expect(otherCa).toMatch(/token CA hash does not match the Cluster CA certificate hash/);
      expect(otherCa).not.toContain('not-the-cluster-token');
      // The right CA, the wrong password: the server refuses it, to an agent and to a server.
      const hash = (await k3sJoinToken(sessions[0]!)).split('::')[0];
      const agent = await join(`${hash}::server:not-the-cluster-password`);
      expect(agent).toMatch(/client-kubelet\.crt: 401 Unauthorized/);
      const server = await join(`${hash}::server:not-the-cluster-password`, 'server');
      expect(server).toMatch(/server-bootstrap: 401 Unauthorized/);
      for (const error of [agent, server]) expect(error).not.toContain('not-the-cluster-password');
      expect((await k3sNodes(sessions[0]!)).map((n) => n.name)).not.toContain(extra.name);
    } finally {
      await session.close();
    }
  });

  it('a node whose server drops off the network turns NotReady, and Ready when it is back', async () => {
    const agent = testbed.hosts[2]!.name;
    await testbed.stop(agent);
    try {
      await expect
        .poll(async () => readiness(await k3sNodes(sessions[0]!))[agent], poll)
        .toBe(false);
    } finally {
      await testbed.start(agent);
    }
    await expect.poll(async () => readiness(await k3sNodes(sessions[0]!))[agent], poll).toBe(true);
  });

  it('cordons and uncordons a node (cluster.drainNode, activateNode), each once', async () => {
    const agent = testbed.hosts[2]!.name;
    const server = sessions[0]!;
    const unschedulable = async () =>
      (await k3sNodes(server)).find((n) => n.name === agent)?.unschedulable;
    expect(await k3sCordon(server, agent, true)).toEqual({ changed: true });
    expect(await k3sCordon(server, agent, true)).toEqual({ changed: false });
    expect(await unschedulable()).toBe(true);
    expect(await k3sCordon(server, agent, false)).toEqual({ changed: true });
    expect(await k3sCordon(server, agent, false)).toEqual({ changed: false });
    expect(await unschedulable()).toBe(false);
    await expect(k3sCordon(server, 'no-such-node', true)).rejects.toThrow(/no node no-such-node/);
  });

  it('labels, drains, uninstalls and deletes a node; each step is a no-op the second time', async () => {
    const agent = testbed.hosts[2]!.name;
    const server = sessions[0]!;
    expect(await k3sLabelNode(server, agent, { 'flotilla.io/node': 'node_abc' })).toEqual({
      changed: true,
    });
    expect(await k3sLabelNode(server, agent, { 'flotilla.io/node': 'node_abc' })).toEqual({
      changed: false,
    });
    expect(await k3sDrain(server, agent)).toEqual({ changed: true });
    expect(await k3sDrain(server, agent)).toEqual({ changed: false });
    const drained = (await k3sNodes(server)).find((n) => n.name === agent);
    expect(drained).toMatchObject({
      unschedulable: true,
      labels: { 'flotilla.io/node': 'node_abc' },
    });

    // Test servers share the machine's process list: look only in this server's network.
    const agentRunning = () =>
      sessions[2]!.run('pgrep --ns $$ --nslist net -f "[b]in/k3s agent"').then((r) => r.code === 0);
    expect(await agentRunning()).toBe(true);
    expect(await k3sUninstall(sessions[2]!)).toEqual({ changed: true });
    expect(await k3sUninstall(sessions[2]!)).toEqual({ changed: false });
    expect(
      (await sessions[2]!.run('test -e /usr/local/bin/k3s || test -e /var/lib/rancher/k3s')).code,
    ).toBe(1);
    expect(await agentRunning()).toBe(false);

    expect(await k3sDeleteNode(server, agent)).toEqual({ changed: true });
    expect(await k3sDeleteNode(server, agent)).toEqual({ changed: false });
    // Uninstalled agents send no heartbeats, so the node stays gone.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await k3sNodes(server)).map((n) => n.name).sort()).toEqual(
      [testbed.hosts[0]!.name, testbed.hosts[1]!.name].sort(),
    );
  });
});

describe('k3s install from the installer URL', () => {
  let server: Server;

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it('downloads and runs the installer with INSTALL_K3S_* set, once; uninstall removes it', async () => {
    // A local stand-in for get.k3s.io and the release download, on the testbed network.
    const requests: string[] = [];
    const binary = await readFile(k3sStandinPath);
    const installer = await readFile(k3sInstallerStandinPath, 'utf8');
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/install.sh') {
        const { port } = server.address() as AddressInfo;
        res.end(installer.replace('@K3S_BINARY_URL@', `http://${testbed.gateway}:${port}/k3s`));
      } else if (req.url === '/k3s') {
        res.end(binary);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, testbed.gateway, resolve));
    const { port } = server.address() as AddressInfo;
    const url = `http://${testbed.gateway}:${port}/install.sh`;

    const extra = await testbed.addHost();
    const session = await open(extra);
    try {
      const source = { kind: 'url' as const, url, version: 'v1.31.4+k3s1' };
      expect(await installK3s(session, { source })).toEqual({ changed: true });
      expect(requests).toEqual(['/install.sh', '/k3s']);
      expect(await installK3s(session, { source })).toEqual({ changed: false });
      expect(requests).toHaveLength(2);
      expect(await session.runOk('k3s --version')).toContain('v1.31.4+k3s1');

      await expect(
        installK3s(session, { source: { kind: 'url', url: 'file:///etc/passwd' } }),
      ).rejects.toThrow(/source.url: must be http/);

      expect(await k3sUninstall(session)).toEqual({ changed: true });
      expect((await session.run('command -v k3s')).code).not.toBe(0);
    } finally {
      await session.close();
    }
  });
});
