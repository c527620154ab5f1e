import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../src/command.ts';
import {
  attachTestbed,
  createTestbed,
  downTestbeds,
  generateKeyPair,
  type KeyPair,
  listTestbeds,
  sleeperImage,
  type Testbed,
} from '../src/index.ts';

function reachable(host: string, port = 22, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

async function hostKey(host: string): Promise<string> {
  const result = await run('ssh-keyscan', ['-T', '3', '-t', 'ed25519', host]);
  return result.stdout.trim().split(/\s+/).slice(1).join(' ');
}

let keyDir: string;
let keys: KeyPair;

async function sshRun(host: string, command: string) {
  return run('ssh', [
    '-i',
    join(keyDir, 'id'),
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-o',
    'ConnectTimeout=3',
    '-o',
    'BatchMode=yes',
    `root@${host}`,
    command,
  ]);
}

/** What must be gone after a testbed is removed: links, namespaces, processes, state. */
async function traces(id: string) {
  const links = await run('ip', ['-o', 'link', 'show']);
  const netns = await run('ip', ['netns', 'list']);
  const processes = await run('ps', ['-eo', 'args']);
  return {
    links: links.stdout.split('\n').filter((l) => l.includes(id)),
    namespaces: netns.stdout.split('\n').filter((l) => l.includes(id)),
    processes: processes.stdout.split('\n').filter((l) => l.includes(id)),
    listed: (await listTestbeds()).some((t) => t.id === id),
  };
}

const nothingLeft = { links: [], namespaces: [], processes: [], listed: false };

describe('testbed', () => {
  let testbed: Testbed;
  let startupMs: number;

  beforeAll(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'testbed-test-'));
    keys = await generateKeyPair();
    await writeFile(join(keyDir, 'id'), keys.privateKey, { mode: 0o600 });
    const started = Date.now();
    testbed = await createTestbed({ hosts: 2, authorizedKeys: [keys.publicKey] });
    startupMs = Date.now() - started;
  });

  afterAll(async () => {
    await testbed?.destroy();
    await rm(keyDir, { recursive: true, force: true });
  });

  it('starts servers with their own address, hostname, sshd and Docker engine', async () => {
    expect(testbed.hosts).toHaveLength(2);
    const [a, b] = testbed.hosts;
    expect(a!.host).not.toBe(b!.host);
    expect(a!).toMatchObject({ port: 22, user: 'root' });
    for (const host of testbed.hosts) {
      const login = await sshRun(host.host, 'hostname; docker info --format "{{.Name}}"');
      expect(login).toMatchObject({ code: 0, stdout: `${host.name}\n${host.name}\n` });
    }
    console.info(`testbed: 2 hosts up in ${startupMs} ms`);
  });

  it('keeps each server’s files to itself', async () => {
    const [a, b] = testbed.hosts;
    await testbed.exec(a!.name, 'echo mine > /etc/flotilla-marker && mkdir -p /var/lib/rancher');
    expect((await testbed.exec(a!.name, 'cat /etc/flotilla-marker')).stdout).toBe('mine\n');
    expect((await testbed.exec(b!.name, 'cat /etc/flotilla-marker')).code).not.toBe(0);
    await expect(readFile('/etc/flotilla-marker')).rejects.toThrow();
    const keysA = await hostKey(a!.host);
    const keysB = await hostKey(b!.host);
    expect(keysA).toMatch(/^ssh-ed25519 /);
    expect(keysA).not.toBe(keysB);
  });

  it('refuses keys that were not authorized, accepts one authorized later', async () => {
    const other = await generateKeyPair();
    const otherPath = join(keyDir, 'other');
    await writeFile(otherPath, other.privateKey, { mode: 0o600 });
    const host = testbed.hosts[0]!.host;
    const args = [
      '-i',
      otherPath,
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
    ];
    const login = () => run('ssh', [...args, '-o', 'BatchMode=yes', `root@${host}`, 'true']);
    expect((await login()).code).toBe(255);
    await testbed.authorizeKey(other.publicKey);
    expect((await login()).code).toBe(0);
  });

  it('takes a server off the network and back', async () => {
    const host = testbed.hosts[1]!;
    await testbed.stop(host.name);
    expect(await reachable(host.host)).toBe(false);
    // Still running inside: only the network is cut.
    expect((await testbed.exec(host.name, 'docker info --format ok')).stdout).toBe('ok\n');
    await testbed.start(host.name);
    expect(await reachable(host.host, 22, 3_000)).toBe(true);
  });

  it('replaces a server’s host key', async () => {
    const host = testbed.hosts[0]!;
    const before = await hostKey(host.host);
    await testbed.replaceHostKey(host.name);
    const after = await hostKey(host.host);
    expect(after).toMatch(/^ssh-ed25519 /);
    expect(after).not.toBe(before);
    expect((await sshRun(host.host, 'echo still-in')).stdout).toBe('still-in\n');
  });

  it('adds servers at the same time and removes one', async () => {
    const before = testbed.hosts.length;
    const [x, y] = await Promise.all([testbed.addHost(), testbed.addHost()]);
    expect(x!.name).not.toBe(y!.name);
    expect(testbed.hosts).toHaveLength(before + 2);
    for (const host of [x!, y!]) {
      expect((await sshRun(host.host, 'hostname')).stdout).toBe(`${host.name}\n`);
    }
    await testbed.removeHost(x!.name);
    expect(testbed.hosts.map((h) => h.name)).not.toContain(x!.name);
    expect(await reachable(x!.host)).toBe(false);
    const netns = await run('ip', ['netns', 'list']);
    expect(netns.stdout).not.toContain(`ftb-${x!.name}`);
    expect((await attachTestbed(testbed.id)).hosts.map((h) => h.name)).not.toContain(x!.name);
    await testbed.removeHost(y!.name);
    expect(testbed.hosts).toHaveLength(before);
  });

  it('adds a server to a running testbed, reachable from the others', async () => {
    const added = await testbed.addHost();
    expect(testbed.hosts.map((h) => h.name)).toContain(added.name);
    expect((await sshRun(added.host, 'hostname')).stdout).toBe(`${added.name}\n`);
    const ping = await testbed.exec(testbed.hosts[0]!.name, `ssh-keyscan -T 3 ${added.host}`);
    expect(ping.stdout).toContain('ssh-ed25519');
  });

  it('runs the sleeper image, which stops at once on SIGTERM', async () => {
    const name = testbed.hosts[0]!.name;
    expect(await testbed.importImage(name)).toBe(sleeperImage);
    const started = await testbed.exec(name, `docker run -d --name nap ${sleeperImage}`);
    expect(started.code).toBe(0);
    const state = await testbed.exec(name, 'docker inspect -f "{{.State.Running}}" nap');
    expect(state.stdout).toBe('true\n');
    const t0 = Date.now();
    expect((await testbed.exec(name, 'docker stop -t 10 nap')).code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5_000);
    const exit = await testbed.exec(name, 'docker inspect -f "{{.State.ExitCode}}" nap');
    expect(exit.stdout).toBe('0\n');
  });

  it('is reopened from another handle by id', async () => {
    const again = await attachTestbed(testbed.id);
    expect(again.hosts).toEqual(testbed.hosts);
    expect((await again.exec(testbed.hosts[0]!.name, 'hostname')).stdout).toBe(
      `${testbed.hosts[0]!.name}\n`,
    );
  });
});

describe('teardown', () => {
  it('destroy removes links, namespaces, processes and containers', async () => {
    const testbed = await createTestbed({ hosts: 1 });
    const name = testbed.hosts[0]!.name;
    await testbed.importImage(name);
    const container = (await testbed.exec(name, `docker run -d ${sleeperImage}`)).stdout.trim();
    // This container's process, by PID: other test files may run sleepers on their servers.
    const pid = (
      await testbed.exec(name, `docker inspect -f '{{.State.Pid}}' ${container}`)
    ).stdout.trim();
    const args = () => readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    expect(await args()).toBe('/sleeper\0');
    expect((await traces(testbed.id)).links.length).toBeGreaterThan(0);
    await testbed.destroy();
    expect(await traces(testbed.id)).toEqual(nothingLeft);
    await testbed.destroy();
    expect(await args()).not.toBe('/sleeper\0');
  });

  it('down --stale removes a testbed whose creating process died, and keeps live ones', async () => {
    const live = await createTestbed({ hosts: 0 });
    const script = `
      import { createTestbed } from ${JSON.stringify(join(import.meta.dirname, '../src/index.ts'))};
      const t = await createTestbed({ hosts: 1 });
      process.stdout.write(t.id + '\\n');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const id = await new Promise<string>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect((await listTestbeds()).find((t) => t.id === id)?.stale).toBe(true);
    const removed = await downTestbeds({ staleOnly: true });
    expect(removed).toContain(id);
    expect(removed).not.toContain(live.id);
    expect(await traces(id)).toEqual(nothingLeft);
    expect((await listTestbeds()).some((t) => t.id === live.id)).toBe(true);
    await live.destroy();
  });
});

describe('orphans', () => {
  it('down removes servers whose testbed lost its state', async () => {
    const testbed = await createTestbed({ hosts: 1 });
    // As if the state had never been written: only the running pieces are left.
    await rm(join('/run/flotilla-testbed/testbeds', testbed.id), { recursive: true, force: true });
    expect((await traces(testbed.id)).processes.length).toBeGreaterThan(0);
    await downTestbeds({ staleOnly: true });
    expect(await traces(testbed.id)).toEqual(nothingLeft);
    const rules = await run('iptables', ['-S', 'FORWARD']);
    expect(rules.stdout).not.toContain(testbed.id);
  });
});

describe('CLI', () => {
  const cli = join(import.meta.dirname, '../src/cli.ts');
  const tsx = (args: string[], uid?: number) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        cwd: import.meta.dirname,
        ...(uid === undefined ? {} : { uid, gid: uid, env: { ...process.env, HOME: '/tmp' } }),
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });

  it('says clearly that it needs root', async () => {
    const result = await tsx(['list'], 65534);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/needs root/);
  });

  it('up prints the servers, stop/start cut and restore one, down removes the testbed', async () => {
    const keys = await generateKeyPair();
    const up = await tsx(['up', '2', '--authorized-key', keys.publicKey]);
    expect(up.code, up.stderr).toBe(0);
    const hosts = JSON.parse(up.stdout) as {
      name: string;
      host: string;
      port: number;
      user: string;
    }[];
    expect(hosts).toHaveLength(2);
    expect(hosts[0]).toMatchObject({ port: 22, user: 'root' });
    const listed = (await listTestbeds()).find((t) =>
      t.hosts.some((h) => h.name === hosts[0]!.name),
    );
    // Made by a process that has exited, yet not stale: CLI testbeds stay until `down`.
    expect(listed).toMatchObject({ persistent: true, stale: false });
    const id = listed!.id;
    try {
      expect(await reachable(hosts[1]!.host)).toBe(true);
      const stop = await tsx(['stop', hosts[1]!.name]);
      expect(stop.code, stop.stderr).toBe(0);
      expect(await reachable(hosts[1]!.host)).toBe(false);
      const start = await tsx(['start', hosts[1]!.name]);
      expect(start.code, start.stderr).toBe(0);
      expect(await reachable(hosts[1]!.host, 22, 3_000)).toBe(true);
      expect((await tsx(['stop', 'no-such-host'])).stderr).toMatch(
        /no testbed host named no-such-host/,
      );
    } finally {
      const down = await tsx(['down', id]);
      expect(down).toMatchObject({ code: 0 });
      expect(JSON.parse(down.stdout)).toEqual({ removed: [id] });
    }
    expect(await traces(id)).toEqual(nothingLeft);
  });
});
