import { type ChildProcess, spawn } from 'node:child_process';
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

  it('gives root the shell files of a new server, not this machine’s', async () => {
    const [a] = testbed.hosts;
    // bash reads ~/.bashrc for every command sshd runs: this machine's may start tools (pyenv)
    // that no new server has, and that made every SSH command ~0.5 s slower.
    const server = await sshRun(a!.host, 'cat ~/.bashrc; echo "PYENV_ROOT=$PYENV_ROOT"');
    expect(server.code).toBe(0);
    const skel = await readFile('/etc/skel/.bashrc', 'utf8');
    expect(server.stdout).toBe(`${skel}PYENV_ROOT=\n`);
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
    const sleeperImage = testbed.sleeperImage;
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

  it('serves a TLS registry every server trusts: pushed once, pulled by digest elsewhere', async () => {
    const [a, b] = testbed.hosts;
    expect(testbed.registry.address).toBe(`${testbed.gateway}:5443`);
    expect(testbed.registry.caCert).toMatch(/BEGIN CERTIFICATE/);
    const images = await testbed.images();
    expect(await testbed.images()).toBe(images);
    expect(images.httpV1.pinned).toBe(
      `${testbed.registry.address}/flotilla/http@${images.httpV1.digest}`,
    );
    // Every image is its own (distinct digests), the templates' echo image included.
    expect(Object.keys(images).sort()).toEqual(['broken', 'echo', 'httpV1', 'httpV2', 'sleeper']);
    expect(new Set(Object.values(images).map((i) => i.digest)).size).toBe(5);
    const pull = await testbed.exec(b!.name, `docker pull ${images.httpV2.pinned}`, {
      timeoutMs: 60_000,
    });
    expect(pull.code, pull.stderr).toBe(0);
    // The versions answer their own body; the broken one exits 1 at once.
    const serve = (image: string) =>
      testbed.exec(b!.name, `docker run --rm --entrypoint sh ${image} -c 'cat /www/index.html'`, {
        timeoutMs: 30_000,
      });
    expect((await serve(images.httpV2.pinned)).stdout).toBe('v2\n');
    expect((await serve(images.httpV1.name)).stdout).toBe('v1\n');
    const broken = await testbed.exec(b!.name, `docker run --rm ${images.broken.name}`, {
      timeoutMs: 30_000,
    });
    expect(broken).toMatchObject({ code: 1, stdout: 'flotilla-http broken: exiting at once\n' });
    // A server added later trusts the registry too.
    const added = await testbed.addHost();
    const later = await testbed.exec(added.name, `docker pull ${images.sleeper.pinned}`, {
      timeoutMs: 60_000,
    });
    expect(later.code, later.stderr).toBe(0);
    await testbed.removeHost(added.name);
    expect(a).toBeDefined();
  });

  it('publishes a host-mode port that answers from this machine', async () => {
    const name = testbed.hosts[1]!.name;
    const images = await testbed.images();
    const run = await testbed.exec(
      name,
      `docker run -d --name web -p 8080:80 ${images.httpV1.name}`,
      { timeoutMs: 30_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    let body = '';
    for (let i = 0; i < 50 && body !== 'v1\n'; i++) {
      body = await fetch(`http://${testbed.hosts[1]!.host}:8080/`)
        .then((r) => r.text())
        .catch(() => '');
      if (body !== 'v1\n') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(body).toBe('v1\n');
    const env = await fetch(`http://${testbed.hosts[1]!.host}:8080/cgi-bin/env`).then((r) =>
      r.text(),
    );
    expect(env).toMatch(/^PATH=/m);
    await testbed.exec(name, 'docker rm -f web');
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
    const registryPid = (
      await readFile(join('/run/flotilla-testbed/testbeds', testbed.id, 'state.json'), 'utf8')
    ).match(/"registry": \{[^}]*?"pid": (\d+)/)?.[1];
    expect(registryPid).toBeDefined();
    const container = (
      await testbed.exec(name, `docker run -d ${testbed.sleeperImage}`)
    ).stdout.trim();
    // This container's process, by PID: other test files may run sleepers on their servers.
    const pid = (
      await testbed.exec(name, `docker inspect -f '{{.State.Pid}}' ${container}`)
    ).stdout.trim();
    const args = () => readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const sleeping = '/bin/sh\0/bin/entrypoint\0';
    expect(await args()).toBe(sleeping);
    expect((await traces(testbed.id)).links.length).toBeGreaterThan(0);
    await testbed.destroy();
    expect(await traces(testbed.id)).toEqual(nothingLeft);
    await testbed.destroy();
    expect(await args()).not.toBe(sleeping);
    expect(await readFile(`/proc/${registryPid}/cmdline`, 'utf8').catch(() => '')).not.toContain(
      testbed.id,
    );
  });

  it('spares processes that get the namespace identities its servers leave behind', async () => {
    const testbed = await createTestbed({ hosts: 2 });
    // The kernel hands namespace identities out lowest free first: what a server's teardown
    // frees, the next namespaces made on the machine get — another test file's new server or
    // container. Processes in new namespaces, started all through the teardown, stand in for
    // them (at most 200, 20 ms apart).
    const newcomers: ChildProcess[] = [];
    let tearing = true;
    const making = (async () => {
      while (tearing && newcomers.length < 200) {
        newcomers.push(
          spawn('unshare', ['--mount', '--uts', '--ipc', 'sleep', '120'], { stdio: 'ignore' }),
        );
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    try {
      await testbed.destroy();
      tearing = false;
      await making;
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(newcomers.length).toBeGreaterThan(5);
      expect(newcomers.filter((child) => child.signalCode === 'SIGKILL')).toHaveLength(0);
    } finally {
      tearing = false;
      for (const child of newcomers) child.kill();
    }
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

describe('registry with credentials', () => {
  it('refuses pulls without them and serves them with', async () => {
    const testbed = await createTestbed({ hosts: 1, registryAuth: true });
    try {
      const { username, password, address } = testbed.registry;
      expect(username).toBeTruthy();
      expect(password).toBeTruthy();
      const images = await testbed.images();
      const name = testbed.hosts[0]!.name;
      await testbed.exec(name, `docker rmi ${images.sleeper.name}`);
      const denied = await testbed.exec(name, `docker pull ${images.sleeper.pinned}`, {
        timeoutMs: 30_000,
      });
      expect(denied.code).not.toBe(0);
      expect(denied.stderr).toMatch(/no basic auth credentials|unauthorized/);
      const login = await testbed.exec(
        name,
        `docker login -u ${username} --password-stdin ${address} && docker pull ${images.sleeper.pinned}`,
        { input: password!, timeoutMs: 30_000 },
      );
      expect(login.code, login.stderr).toBe(0);
    } finally {
      await testbed.destroy();
    }
  });
});
