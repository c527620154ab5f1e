import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestbed, generateKeyPair, type KeyPair, type Testbed } from '@flotilla/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CommandError,
  CommandTimeoutError,
  ConnectionLostError,
  type ConnectOptions,
  connect,
  createSshPool,
  HostKeyMismatchError,
  observeSsh,
  type SshConnectionEvent,
  SshWaitTimeoutError,
  secret,
  sh,
  waitForSsh,
} from '../src/index.ts';

let testbed: Testbed;
let keys: KeyPair;
let options: ConnectOptions;

beforeAll(async () => {
  keys = await generateKeyPair();
  testbed = await createTestbed({ hosts: 2, authorizedKeys: [keys.publicKey] });
  const host = testbed.hosts[0]!;
  options = {
    host: host.host,
    port: host.port,
    username: host.user,
    privateKey: keys.privateKey,
    timeoutMs: 5_000,
  };
});

afterAll(async () => {
  await testbed?.destroy();
});

async function keyscan(name: string): Promise<string> {
  const result = await testbed.exec(name, 'cat /etc/ssh/ssh_host_ed25519_key.pub');
  return result.stdout.trim().split(/\s+/).slice(0, 2).join(' ');
}

describe('connect and run', () => {
  it('returns the host key the server presented, in OpenSSH form', async () => {
    const session = await connect(options);
    try {
      expect(session.hostKey).toBe(await keyscan(testbed.hosts[0]!.name));
    } finally {
      await session.close();
    }
  });

  it('runs commands and reports stdout, stderr and exit code', async () => {
    const session = await connect(options);
    try {
      expect(await session.run('hostname; echo oops >&2; exit 3')).toEqual({
        code: 3,
        stdout: `${testbed.hosts[0]!.name}\n`,
        stderr: 'oops\n',
      });
      // A command killed by a signal reports 128 + n, as a shell would.
      expect((await session.run('kill -9 $$')).code).toBe(137);
      expect(await session.run('cat', { input: 'from stdin' })).toMatchObject({
        code: 0,
        stdout: 'from stdin',
      });
      await expect(session.runOk('echo first; echo "disk full" >&2; exit 7')).rejects.toThrow(
        /exited with 7: disk full/,
      );
      const error = await session.runOk('exit 2', { label: 'docker.check' }).catch((e) => e);
      expect(error).toBeInstanceOf(CommandError);
      expect(error).toMatchObject({ exitCode: 2, code: 'commandFailed', label: 'docker.check' });
    } finally {
      await session.close();
    }
  });

  it('hands output over as it arrives, before the command ends', async () => {
    const session = await connect(options);
    try {
      const seen: { text: string; stream: string; at: number }[] = [];
      const started = Date.now();
      const result = await session.run('echo one; echo two >&2; sleep 1; echo three', {
        onOutput: (chunk, stream) => seen.push({ text: chunk.toString(), stream, at: Date.now() }),
      });
      const finished = Date.now();
      expect(seen.map((s) => `${s.stream}:${s.text}`).join('')).toContain('stdout:one\n');
      expect(seen.find((s) => s.text.includes('two'))?.stream).toBe('stderr');
      // The first line came a second before the command ended, not with its result.
      expect(seen[0]!.at - started).toBeLessThan(finished - started - 700);
      expect(result).toMatchObject({ code: 0, stdout: 'one\nthree\n', stderr: 'two\n' });
    } finally {
      await session.close();
    }
  });

  it('stops a command at its timeout and kills it on the server', async () => {
    const session = await connect(options);
    try {
      const started = Date.now();
      const error = await session
        .run('sleep 31 && touch /tmp/should-not-exist', { timeoutMs: 1_000 })
        .catch((e) => e);
      expect(error).toBeInstanceOf(CommandTimeoutError);
      // Ended by the server-side `timeout` at 1 s (plus the round trips, seconds on a loaded
      // machine): long before the 31 s sleep, and before the local fallback timer (1 s + 8 s).
      expect(Date.now() - started).toBeLessThan(8_000);
      // Test servers share the machine's process list: look only in this server's network.
      const left = await testbed.exec(
        testbed.hosts[0]!.name,
        'pgrep --ns $$ --nslist net -f "^sleep 31" || true',
      );
      expect(left.stdout).toBe('');
      // A command that finishes in time is unaffected.
      expect((await session.run('sleep 0.2; echo done', { timeoutMs: 2_000 })).stdout).toBe(
        'done\n',
      );
    } finally {
      await session.close();
    }
  });
});

describe('connection loss', () => {
  it('fails a running command when the server drops off the network', async () => {
    const name = testbed.hosts[1]!.name;
    const session = await connect({ ...options, host: testbed.hosts[1]!.host, keepaliveMs: 500 });
    const running = session.run('sleep 20', { timeoutMs: 30_000 }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    await testbed.stop(name);
    try {
      const error = await running;
      expect(error).toBeInstanceOf(ConnectionLostError);
      expect(Date.now() - started).toBeLessThan(10_000);
      await expect(session.run('true')).rejects.toBeInstanceOf(ConnectionLostError);
    } finally {
      await testbed.start(name);
      await session.close();
    }
  });
});

describe('host key pinning', () => {
  it('connects when the key matches and refuses a changed key before running anything', async () => {
    const name = testbed.hosts[1]!.name;
    const host = testbed.hosts[1]!.host;
    const first = await connect({ ...options, host });
    const pinned = first.hostKey;
    await first.close();
    const again = await connect({ ...options, host, expectedHostKey: pinned });
    expect(again.hostKey).toBe(pinned);
    await again.close();

    await testbed.replaceHostKey(name);
    const replaced = await keyscan(name);
    const error = await connect({ ...options, host, expectedHostKey: pinned }).catch((e) => e);
    expect(error).toBeInstanceOf(HostKeyMismatchError);
    expect(error).toMatchObject({ expected: pinned, presented: replaced });
    expect(error.message).toMatch(/host key of .* changed: expected SHA256:.*, got SHA256:/);
    // waitForSsh does not retry a changed key: it is not a server that is still booting.
    const started = Date.now();
    await expect(
      waitForSsh({ ...options, host, expectedHostKey: pinned }, { timeoutMs: 10_000 }),
    ).rejects.toBeInstanceOf(HostKeyMismatchError);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe('upload', () => {
  it('writes bytes and local files with the given mode, replacing what was there', async () => {
    const session = await connect(options);
    const dir = await mkdtemp(join(tmpdir(), 'ssh-upload-'));
    try {
      await session.upload(
        Buffer.from('#!/bin/sh\necho uploaded\n'),
        '/usr/local/bin/hello',
        0o755,
      );
      expect(await session.runOk('hello')).toBe('uploaded\n');
      const local = join(dir, 'config');
      await writeFile(local, 'key=value\n');
      await session.upload(local, '/usr/local/bin/hello', 0o600);
      expect(await session.runOk('stat -c %a /usr/local/bin/hello; cat /usr/local/bin/hello')).toBe(
        '600\nkey=value\n',
      );
    } finally {
      await session.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('TCP tunnel', () => {
  it('reaches a port that listens only on the server’s loopback, and refuses a closed one', async () => {
    const host = testbed.hosts[0]!;
    // Answers with the server's hostname on 127.0.0.1:7001 only; gone when the test ends.
    const listener =
      "require('net').createServer((s) => s.end('hello from ' + require('os').hostname()))" +
      ".listen(7001, '127.0.0.1'); setTimeout(() => process.exit(0), 60000)";
    await testbed.exec(host.name, sh`setsid node -e ${listener} >/dev/null 2>&1 &`);
    const session = await connect(options);
    try {
      const read = async () => {
        const stream = await session.openTcpTunnel('127.0.0.1', 7001);
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks).toString();
      };
      let answer = '';
      for (let attempt = 0; attempt < 50 && answer === ''; attempt++) {
        answer = await read().catch(() => '');
        if (answer === '') await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(answer).toBe(`hello from ${host.name}`);
      // A pooled session tunnels over its shared connection the same way.
      const pool = createSshPool();
      try {
        const pooled = await (await pool.session(options)).openTcpTunnel('127.0.0.1', 7001);
        const chunks: Buffer[] = [];
        for await (const chunk of pooled) chunks.push(chunk as Buffer);
        expect(Buffer.concat(chunks).toString()).toBe(`hello from ${host.name}`);
      } finally {
        await pool.close();
      }
      // From this machine the port is closed: only the tunnel reaches it.
      const direct = await new Promise<string>((resolve) => {
        const socket = createConnection({ host: host.host, port: 7001 });
        socket.once('connect', () => resolve('connected'));
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });
      expect(direct).toBe('ECONNREFUSED');
      await expect(session.openTcpTunnel('127.0.0.1', 7002)).rejects.toThrow(
        /cannot open 127\.0\.0\.1:7002 over SSH/,
      );
    } finally {
      await session.close();
    }
  });
});

describe('latency', () => {
  it('opens channels without waiting for delayed ACKs (TCP_NODELAY)', async () => {
    const host = testbed.hosts[0]!;
    // A listener that never writes: nothing from the server acknowledges our packets early.
    const silent =
      "require('net').createServer(() => {}).listen(7004, '127.0.0.1'); setTimeout(() => process.exit(0), 60000)";
    await testbed.exec(host.name, sh`setsid node -e ${silent} >/dev/null 2>&1 &`);
    const session = await connect(options);
    try {
      const cycle = async () => (await session.openTcpTunnel('127.0.0.1', 7004)).destroy();
      for (let attempt = 0; attempt < 50; attempt++) {
        if (
          await cycle().then(
            () => true,
            () => false,
          )
        )
          break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // With Nagle's algorithm each cycle waited ~45 ms for the server's delayed ACK (measured);
      // without, about 1 ms. The bound leaves room for a loaded machine.
      const started = Date.now();
      for (let i = 0; i < 20; i++) await cycle();
      expect(Date.now() - started).toBeLessThan(600);
    } finally {
      await session.close();
    }
  });
});

describe('quoting', () => {
  const hostile = [
    "'; rm -rf /tmp/victim; echo '",
    'line one\nline two',
    '$(touch /tmp/pwned)',
    '`touch /tmp/pwned`',
    '"; touch /tmp/pwned; "',
    'back\\slash',
    '  spaced  *  glob?  ',
    '--option-like',
    '',
  ];

  it('passes hostile strings through as single arguments, never executed', async () => {
    const session = await connect(options);
    try {
      await session.runOk('mkdir -p /tmp/victim && rm -f /tmp/pwned');
      for (const value of hostile) {
        expect(await session.runOk(sh`printf %s ${value}`)).toBe(value);
      }
      expect(await session.runOk(sh`printf '[%s]' ${['a b', "c'd"]}`)).toBe("[a b][c'd]");
      expect(await session.runOk(sh`printf %s ${3}${sh.raw(' | wc -c')}`)).toBe('1\n');
      expect((await session.run('test -e /tmp/pwned')).code).toBe(1);
      expect((await session.run('test -d /tmp/victim')).code).toBe(0);
    } finally {
      await session.close();
    }
  });

  it('never puts secrets into error messages', async () => {
    const session = await connect(options);
    try {
      const token = 'SWMTKN-1-0123456789abcdef-topsecret';
      const error = await session
        .runOk(sh`echo "invalid join token ${sh.raw('$1')}" >&2; exit 1; ${secret(token)}`, {
          timeoutMs: 5_000,
        })
        .catch((e) => e);
      expect(error).toBeInstanceOf(CommandError);
      expect(error.message).not.toContain(token);
      expect(error.message).toContain('***');
      const echoed: unknown = await session
        .runOk(sh`echo ${secret(token)} >&2; exit 1`)
        .catch((e: unknown) => e);
      expect(echoed).toBeInstanceOf(CommandError);
      const { message, stderr } = echoed as CommandError;
      expect(`${message} ${stderr}`).not.toContain(token);
    } finally {
      await session.close();
    }
  });
});

describe('waitForSsh', () => {
  it('keeps trying while the server is unreachable and connects once it is back', async () => {
    const name = testbed.hosts[0]!.name;
    await testbed.stop(name);
    const attempts: string[] = [];
    const waiting = waitForSsh(
      { ...options, timeoutMs: 1_000 },
      { timeoutMs: 20_000, onAttempt: (_, error) => attempts.push(error.message) },
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await testbed.start(name);
    const session = await waiting;
    expect(attempts.length).toBeGreaterThan(0);
    expect(await session.runOk('echo up')).toBe('up\n');
    await session.close();
  });

  it('gives up at its deadline with the last error', async () => {
    const name = testbed.hosts[0]!.name;
    await testbed.stop(name);
    try {
      const started = Date.now();
      const error = await waitForSsh({ ...options, timeoutMs: 500 }, { timeoutMs: 2_000 }).catch(
        (e) => e,
      );
      expect(error).toBeInstanceOf(SshWaitTimeoutError);
      expect(Date.now() - started).toBeLessThan(4_000);
    } finally {
      await testbed.start(name);
    }
  });
});

describe('observer', () => {
  it('reports every connection attempt with how it ended', async () => {
    const events: SshConnectionEvent[] = [];
    const stop = observeSsh({ connection: (event) => events.push(event) });
    try {
      const session = await connect(options);
      await session.close();
      const stranger = await generateKeyPair();
      await connect({ ...options, expectedHostKey: stranger.publicKey }).catch(() => {});
      await connect({ ...options, privateKey: stranger.privateKey }).catch(() => {});
      // Nothing listens on this loopback port: refused at once.
      await connect({ ...options, host: '127.0.0.1', port: 1 }).catch(() => {});
    } finally {
      stop();
    }
    expect(events.map((event) => event.outcome)).toEqual([
      'opened',
      'hostKeyChanged',
      'authentication',
      'unreachable',
    ]);
    expect(events[0]).toMatchObject({ host: options.host, durationMs: expect.any(Number) });
    // Undone: later connections are not reported.
    const session = await connect(options);
    await session.close();
    expect(events).toHaveLength(4);
  });
});
