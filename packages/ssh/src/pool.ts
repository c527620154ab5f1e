// One SSH connection per server, shared by everything in this process that talks to it.
// Opening a connection costs a TCP and SSH handshake, and OpenSSH drops unauthenticated
// connections beyond MaxStartups (10 by default): fifty jobs each opening their own connection
// to one manager lose some to "Connection lost before handshake". Here each command is a channel
// on the one connection, at most `maxChannels` at a time (OpenSSH allows MaxSessions = 10 per
// connection by default); the rest wait their turn.
//
// Sessions from the pool look like those from `connect`: `close()` releases the session and
// leaves the connection (and other sessions' commands) alone. A connection unused for
// `idleTimeoutMs` is closed; one that drops fails the commands running on it with
// ConnectionLostError, and the next command opens a new one, which must present the same host
// key: a changed key is refused (HostKeyMismatchError), never silently accepted.
import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { type RunOptions, runCommand, stdoutOrThrow } from './command.ts';
import {
  ChannelNotOpenedError,
  ChannelRefusedError,
  type Connection,
  type ConnectOptions,
  openConnection,
  sameKey,
} from './connection.ts';
import { ConnectionLostError } from './errors.ts';
import type { SshSession } from './session.ts';
import { openTcpTunnel } from './tcp-tunnel.ts';
import { openUnixSocket } from './unix-socket.ts';
import { uploadFile } from './upload.ts';

export interface SshPoolOptions {
  /**
   * Commands and uploads running at once on one connection (default 8: under OpenSSH's default
   * MaxSessions of 10, leaving room for an interactive login by an operator).
   */
  maxChannels?: number;
  /** A connection with nothing running for this long is closed (default 60 s). */
  idleTimeoutMs?: number;
}

export interface SshPoolStats {
  /** Connections open (or being opened) now. */
  connections: number;
  /** Connections opened since the pool was made. */
  opened: number;
  /** Channels in use now, over all connections. */
  channels: number;
  /** Commands and uploads waiting for a free channel. */
  waiting: number;
}

export interface SshPool {
  /**
   * A session on the server's shared connection, opened (host key checked against
   * `expectedHostKey`) if there is none. Fails as `connect` does.
   */
  session(options: ConnectOptions): Promise<SshSession>;
  stats(): SshPoolStats;
  /** Closes every connection; sessions of this pool fail from then on. */
  close(): Promise<void>;
}

interface Entry {
  readonly server: string;
  /** The host key this connection was opened to match (none on first contact). */
  readonly expected: string | undefined;
  readonly ready: Promise<Connection>;
  connection: Connection | undefined;
  /** Exec and SFTP channels in use (what MaxSessions counts). */
  active: number;
  /** Unix-socket and TCP streams open: they keep the connection in use but are no sessions. */
  streams: number;
  /** Waiting for a channel: resolved true with the channel, false if the connection went. */
  waiting: ((granted: boolean) => void)[];
  idleTimer: NodeJS.Timeout | undefined;
  dead: boolean;
}

/** How often a command looks for a new connection when the last one closed under it. */
const maxReconnects = 3;
/** Channels a server refused, asked for again (50, 100, … ms apart: 5.5 s in all) before failing. */
const maxRefusals = 10;

const lostBeforeStart = (options: ConnectOptions) =>
  new ConnectionLostError(
    `connection to ${options.host} kept closing before the command could start`,
  );

/**
 * Connections are shared only between callers who would have authenticated the same way: same
 * address, port, user and private key (its hash; the key itself is never kept in a map key).
 */
function serverOf(options: ConnectOptions): string {
  const key = createHash('sha256').update(options.privateKey).digest('hex').slice(0, 16);
  return `${options.username}@${options.host}:${options.port}/${key}`;
}

export function createSshPool(poolOptions: SshPoolOptions = {}): SshPool {
  const maxChannels = poolOptions.maxChannels ?? 8;
  const idleTimeoutMs = poolOptions.idleTimeoutMs ?? 60_000;
  if (!Number.isInteger(maxChannels) || maxChannels < 1) {
    throw new RangeError(`maxChannels must be a whole number ≥ 1, not ${maxChannels}`);
  }
  const entries = new Map<string, Set<Entry>>();
  let opened = 0;
  let closed = false;

  function forget(entry: Entry) {
    if (entry.dead) return;
    entry.dead = true;
    clearTimeout(entry.idleTimer);
    const set = entries.get(entry.server);
    set?.delete(entry);
    if (set?.size === 0) entries.delete(entry.server);
    // Those still waiting never started: they go to the next connection.
    for (const wake of entry.waiting.splice(0)) wake(false);
  }

  function armIdleTimer(entry: Entry) {
    if (entry.dead || entry.active > 0 || entry.streams > 0) return;
    clearTimeout(entry.idleTimer);
    entry.idleTimer = setTimeout(() => {
      if (entry.active > 0 || entry.streams > 0) return;
      forget(entry);
      void entry.connection?.end();
    }, idleTimeoutMs);
    entry.idleTimer.unref();
  }

  function open(options: ConnectOptions, expected: string | undefined): Entry {
    const server = serverOf(options);
    opened++;
    const ready = openConnection({
      ...options,
      ...(expected ? { expectedHostKey: expected } : {}),
    });
    const entry: Entry = {
      server,
      expected,
      ready,
      connection: undefined,
      active: 0,
      streams: 0,
      waiting: [],
      idleTimer: undefined,
      dead: false,
    };
    const set = entries.get(server) ?? new Set();
    set.add(entry);
    entries.set(server, set);
    ready.then(
      (connection) => {
        entry.connection = connection;
        connection.onClose(() => forget(entry));
        if (entry.dead) void connection.end();
        else armIdleTimer(entry);
      },
      // A refused or failed connect is not kept: the next caller tries again.
      () => forget(entry),
    );
    return entry;
  }

  /** The live connection to the server that presents (or was opened to match) this key. */
  function entryFor(options: ConnectOptions, expected: string | undefined): Entry {
    if (closed) throw new ConnectionLostError(`the SSH pool is closed (${options.host})`);
    const matches = (entry: Entry) => {
      if (entry.dead) return false;
      if (!expected) return true;
      const key = entry.connection?.hostKey ?? entry.expected;
      return key !== undefined && sameKey(key, expected);
    };
    const candidates = [...(entries.get(serverOf(options)) ?? [])].filter(matches);
    return candidates.find((entry) => entry.connection) ?? candidates[0] ?? open(options, expected);
  }

  function takeChannel(entry: Entry): Promise<boolean> {
    if (entry.dead) return Promise.resolve(false);
    clearTimeout(entry.idleTimer);
    if (entry.active < maxChannels) {
      entry.active++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => entry.waiting.push(resolve));
  }

  function releaseChannel(entry: Entry) {
    entry.active--;
    if (entry.dead) return;
    const next = entry.waiting.shift();
    if (next) {
      entry.active++;
      next(true);
    } else {
      armIdleTimer(entry);
    }
  }

  /**
   * Runs `use` on a channel of the server's connection. A connection that went away before the
   * channel was granted or opened (nothing was started on it) is replaced, a few times at most:
   * a server that drops every connection right after login fails the command instead of looping.
   */
  async function withChannel<T>(
    options: ConnectOptions,
    expected: string,
    use: (connection: Connection) => Promise<T>,
  ): Promise<T> {
    let refused = 0;
    for (let attempt = 1; ; attempt++) {
      const entry = entryFor(options, expected);
      const connection = await entry.ready;
      // Closed before its close event reached the pool (a busy process): not reused.
      if (connection.closed) forget(entry);
      if (await takeChannel(entry)) {
        let pause = 0;
        try {
          return await use(connection);
        } catch (error) {
          if (error instanceof ChannelRefusedError && refused < maxRefusals) {
            // The same connection, shortly: the server's sessions are ending (see the error).
            refused++;
            attempt--;
            pause = 50 * refused;
          } else {
            if (!(error instanceof ChannelNotOpenedError) || attempt >= maxReconnects) throw error;
            // Only a closed connection says this: the next attempt opens a new one.
            forget(entry);
          }
        } finally {
          releaseChannel(entry);
        }
        if (pause) await new Promise((resolve) => setTimeout(resolve, pause));
      } else if (attempt >= maxReconnects) {
        throw lostBeforeStart(options);
      }
    }
  }

  async function stream(
    options: ConnectOptions,
    expected: string,
    openStream: (connection: Connection) => Promise<Duplex>,
  ) {
    for (let attempt = 1; ; attempt++) {
      const entry = entryFor(options, expected);
      const connection = await entry.ready;
      if (entry.dead) {
        if (attempt >= maxReconnects) throw lostBeforeStart(options);
        continue;
      }
      clearTimeout(entry.idleTimer);
      entry.streams++;
      const done = () => {
        entry.streams--;
        armIdleTimer(entry);
      };
      try {
        const socket = await openStream(connection);
        socket.once('close', done);
        return socket;
      } catch (error) {
        done();
        throw error;
      }
    }
  }

  function lease(options: ConnectOptions, connection: Connection): SshSession {
    // Every later connection for this session must present the key this one did.
    const pinned = connection.hostKey;
    let released = false;
    const use = <T>(work: (connection: Connection) => Promise<T>): Promise<T> => {
      if (released) {
        return Promise.reject(new ConnectionLostError(`session to ${options.host} is closed`));
      }
      return withChannel(options, pinned, work);
    };
    const run = (command: string, runOptions: RunOptions = {}) =>
      use((c) => runCommand(c, command, runOptions));
    return {
      host: options.host,
      hostKey: pinned,
      run,
      async runOk(command, runOptions = {}) {
        return stdoutOrThrow(command, runOptions, await run(command, runOptions));
      },
      upload: (source, remotePath, mode = 0o644) =>
        use((c) => uploadFile(c, source, remotePath, mode)),
      openUnixSocket: (path) =>
        released
          ? Promise.reject(new ConnectionLostError(`session to ${options.host} is closed`))
          : stream(options, pinned, (c) => openUnixSocket(c, path)),
      openTcpTunnel: (host, port) =>
        released
          ? Promise.reject(new ConnectionLostError(`session to ${options.host} is closed`))
          : stream(options, pinned, (c) => openTcpTunnel(c, host, port)),
      async close() {
        released = true;
      },
    };
  }

  return {
    async session(options) {
      const entry = entryFor(options, options.expectedHostKey);
      const connection = await entry.ready;
      return lease(options, connection);
    },
    stats() {
      const all = [...entries.values()].flatMap((set) => [...set]);
      return {
        connections: all.length,
        opened,
        channels: all.reduce((sum, entry) => sum + entry.active, 0),
        waiting: all.reduce((sum, entry) => sum + entry.waiting.length, 0),
      };
    },
    async close() {
      closed = true;
      const all = [...entries.values()].flatMap((set) => [...set]);
      for (const entry of all) forget(entry);
      await Promise.allSettled(
        all.map(async (entry) => (await entry.ready.catch(() => undefined))?.end()),
      );
    },
  };
}
