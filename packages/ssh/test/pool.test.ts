// The connection pool against real servers: what the server sees (its TCP connections, counted
// with `ss` inside its own network namespace) is what is asserted.
import { createTestbed, generateKeyPair, type KeyPair, type Testbed } from '@flotilla/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConnectionLostError,
  type ConnectOptions,
  createSshPool,
  HostKeyMismatchError,
  type SshPool,
} from '../src/index.ts';

let testbed: Testbed;
let keys: KeyPair;

beforeAll(async () => {
  keys = await generateKeyPair();
  testbed = await createTestbed({ hosts: 2, authorizedKeys: [keys.publicKey] });
});

afterAll(async () => {
  await testbed?.destroy();
});

const optionsFor = (index: number): ConnectOptions => {
  const host = testbed.hosts[index]!;
  return {
    host: host.host,
    port: host.port,
    username: host.user,
    privateKey: keys.privateKey,
    timeoutMs: 10_000,
  };
};

/** The client ends (address:port) of the SSH connections the server has open now. */
async function sshClients(index: number): Promise<string[]> {
  const result = await testbed.exec(
    testbed.hosts[index]!.name,
    "ss -Htn state established '( sport = :22 )'",
  );
  return result.stdout
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => line.trim().split(/\s+/).at(-1)!);
}

/** Kills the server's per-connection sshd processes (not the listener): the connection drops. */
async function dropConnections(index: number) {
  await testbed.exec(
    testbed.hosts[index]!.name,
    `pkill -KILL --ns $$ --nslist net -f '^sshd: ${testbed.hosts[index]!.user}' || true`,
  );
}

async function withPool<T>(pool: SshPool, body: (pool: SshPool) => Promise<T>): Promise<T> {
  try {
    return await body(pool);
  } finally {
    await pool.close();
  }
}

describe('one connection per server', () => {
  it('runs 50 concurrent commands over exactly one TCP connection, at most 8 at a time', async () => {
    await withPool(createSshPool({ maxChannels: 8 }), async (pool) => {
      const options = optionsFor(0);
      const setup = await pool.session(options);
      await setup.runOk('rm -rf /tmp/pool-slots && mkdir /tmp/pool-slots');
      await setup.close();

      // What the server sees while the commands run, sampled until they are done.
      const seen = new Set<string>();
      let mostAtOnce = 0;
      let running = true;
      const sampler = (async () => {
        while (running) {
          const clients = await sshClients(0);
          for (const client of clients) seen.add(client);
          mostAtOnce = Math.max(mostAtOnce, clients.length);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();

      // Each command counts the commands running beside it on the server.
      const counts = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const session = await pool.session(options);
          try {
            const out = await session.runOk(
              `mkdir /tmp/pool-slots/${i} && ls /tmp/pool-slots | wc -l && sleep 1 && rmdir /tmp/pool-slots/${i}`,
            );
            return Number(out.trim());
          } finally {
            await session.close();
          }
        }),
      );
      running = false;
      await sampler;

      expect(seen.size).toBe(1);
      expect(mostAtOnce).toBe(1);
      expect(pool.stats()).toMatchObject({ opened: 1, connections: 1, waiting: 0, channels: 0 });
      expect(Math.max(...counts)).toBeLessThanOrEqual(8);
      expect(Math.max(...counts)).toBeGreaterThan(1);
    });
  });

  it('asks again, on the same connection, for a channel the server refused (its MaxSessions)', async () => {
    // 14 channels at once against OpenSSH's 10 sessions per connection: the server refuses
    // some, as it does under load when sessions that ended are still counted.
    await withPool(createSshPool({ maxChannels: 14 }), async (pool) => {
      const options = optionsFor(0);
      const outs = await Promise.all(
        Array.from({ length: 28 }, async (_, i) => {
          const session = await pool.session(options);
          try {
            return (await session.runOk(`sleep 0.3; echo ${i}`)).trim();
          } finally {
            await session.close();
          }
        }),
      );
      expect(outs).toEqual(Array.from({ length: 28 }, (_, i) => String(i)));
      expect(pool.stats()).toMatchObject({ opened: 1, connections: 1 });
    });
  });

  it('lets a session close without touching the commands of the others', async () => {
    await withPool(createSshPool(), async (pool) => {
      const options = optionsFor(0);
      const [a, b] = await Promise.all([pool.session(options), pool.session(options)]);
      const running = a.runOk('sleep 1; echo a-done');
      await b.close();
      expect(await running).toBe('a-done\n');
      await expect(b.run('true')).rejects.toBeInstanceOf(ConnectionLostError);
      expect(await a.runOk('echo still')).toBe('still\n');
      expect(pool.stats().opened).toBe(1);
    });
  });

  it('does not share a connection between different private keys', async () => {
    const other = await generateKeyPair();
    const stranger = await generateKeyPair();
    await testbed.authorizeKey(other.publicKey);
    await withPool(createSshPool(), async (pool) => {
      const options = optionsFor(0);
      await (await pool.session(options)).runOk('true');
      await (await pool.session({ ...options, privateKey: other.privateKey })).runOk('true');
      expect(pool.stats().opened).toBe(2);
      // A key the server does not accept gets nothing, even with a connection open beside it.
      await expect(pool.session({ ...options, privateKey: stranger.privateKey })).rejects.toThrow(
        /authentication/i,
      );
    });
  });
});

describe('idle connections', () => {
  it('keeps the connection while a command runs and closes it after the idle time', async () => {
    await withPool(createSshPool({ idleTimeoutMs: 1_000 }), async (pool) => {
      const session = await pool.session(optionsFor(0));
      // Longer than the idle time: a connection with a command running is never idle.
      expect(await session.runOk('sleep 2.5; echo done')).toBe('done\n');
      expect(pool.stats().opened).toBe(1);
      await session.close();
      await expect.poll(() => sshClients(0), { timeout: 10_000, interval: 100 }).toHaveLength(0);
      expect(pool.stats().connections).toBe(0);

      // The next session simply opens a new one.
      const again = await pool.session(optionsFor(0));
      expect(await again.runOk('echo back')).toBe('back\n');
      expect(pool.stats().opened).toBe(2);
    });
  });
});

describe('connection failures', () => {
  it('fails the command that was running when the connection dropped, and reconnects for the next', async () => {
    await withPool(createSshPool(), async (pool) => {
      const session = await pool.session(optionsFor(1));
      expect(await session.runOk('echo first')).toBe('first\n');
      const [before] = await sshClients(1);

      const running = session.run('sleep 30', { timeoutMs: 60_000 }).catch((e: unknown) => e);
      await expect
        .poll(
          async () =>
            (
              await testbed.exec(
                testbed.hosts[1]!.name,
                'pgrep --ns $$ --nslist net -f "^sleep 30" || true',
              )
            ).stdout,
          { timeout: 10_000, interval: 100 },
        )
        .not.toBe('');
      await dropConnections(1);
      expect(await running).toBeInstanceOf(ConnectionLostError);

      expect(await session.runOk('echo second')).toBe('second\n');
      const after = await sshClients(1);
      expect(after).toHaveLength(1);
      expect(after[0]).not.toBe(before);
      expect(pool.stats()).toMatchObject({ opened: 2, connections: 1 });
    });
  });

  it('refuses a server whose host key changed when it reconnects, and runs nothing there', async () => {
    await withPool(createSshPool(), async (pool) => {
      const name = testbed.hosts[1]!.name;
      const session = await pool.session(optionsFor(1));
      const pinned = session.hostKey;
      await session.runOk('rm -f /tmp/ran-after-key-change');

      await testbed.replaceHostKey(name);
      await dropConnections(1);

      const error = await session.run('touch /tmp/ran-after-key-change').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HostKeyMismatchError);
      expect(error).toMatchObject({ expected: pinned });
      // A new session pinned to the old key is refused too, every time: nothing re-pins.
      for (let i = 0; i < 2; i++) {
        await expect(
          pool.session({ ...optionsFor(1), expectedHostKey: pinned }),
        ).rejects.toBeInstanceOf(HostKeyMismatchError);
      }
      const ran = await testbed.exec(
        name,
        'test -e /tmp/ran-after-key-change && echo yes || echo no',
      );
      expect(ran.stdout.trim()).toBe('no');
      expect(pool.stats().connections).toBe(0);
    });
  });

  it('closes within seconds when a server has gone silent (a process can stop)', async () => {
    const pool = createSshPool();
    const name = testbed.hosts[1]!.name;
    const session = await pool.session(optionsFor(1));
    await session.runOk('true');
    await testbed.stop(name);
    try {
      const started = Date.now();
      await pool.close();
      // The server never answers the close: the connection is dropped after a short grace.
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await testbed.start(name);
    }
  });
});
