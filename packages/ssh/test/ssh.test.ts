import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
  HostKeyMismatchError,
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
      expect(error).toMatchObject({ code: 2, label: 'docker.check' });
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
      expect(Date.now() - started).toBeLessThan(4_000);
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
