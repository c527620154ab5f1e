// One SSH session to a server: its own connection (host key pinned before authentication),
// commands with a timeout on both ends, uploads over SFTP, streams to Unix sockets and TCP ports.
// The parts live in connection.ts, command.ts, upload.ts, unix-socket.ts and tcp-tunnel.ts.
import type { Duplex } from 'node:stream';
import { type CommandResult, type RunOptions, runCommand, stdoutOrThrow } from './command.ts';
import { type Connection, type ConnectOptions, openConnection } from './connection.ts';
import { openTcpTunnel } from './tcp-tunnel.ts';
import { openUnixSocket } from './unix-socket.ts';
import { uploadFile } from './upload.ts';

export type { CommandResult, RunOptions } from './command.ts';
export { type ConnectOptions, formatHostKey } from './connection.ts';

export interface SshSession {
  /** The key the server presented on this connection, "type base64". */
  readonly hostKey: string;
  readonly host: string;
  run(command: string, options?: RunOptions): Promise<CommandResult>;
  /** Like run, but a non-zero exit throws CommandError; returns stdout. */
  runOk(command: string, options?: RunOptions): Promise<string>;
  /** Writes a local file (path) or bytes (Buffer) to remotePath via SFTP, then sets its mode. */
  upload(source: string | Buffer, remotePath: string, mode?: number): Promise<void>;
  /**
   * A byte stream to a Unix socket on the server (OpenSSH stream-local forwarding, on by
   * default in sshd), e.g. `/var/run/docker.sock`, over this already pinned connection.
   */
  openUnixSocket(path: string): Promise<Duplex>;
  /**
   * A byte stream to `host:port` as the server sees it (`ssh -L`'s direct-tcpip channel), e.g.
   * the Kubernetes API on the server's own 127.0.0.1:6443, over this already pinned connection.
   */
  openTcpTunnel(host: string, port: number): Promise<Duplex>;
  close(): Promise<void>;
}

/** Opens a connection of its own; `close()` ends it. */
export async function connect(options: ConnectOptions): Promise<SshSession> {
  return openSession(await openConnection(options));
}

function openSession(connection: Connection): SshSession {
  const run = (command: string, options: RunOptions = {}) =>
    runCommand(connection, command, options);
  return {
    hostKey: connection.hostKey,
    host: connection.host,
    run,
    async runOk(command, options = {}) {
      return stdoutOrThrow(command, options, await run(command, options));
    },
    upload: (source, remotePath, mode = 0o644) => uploadFile(connection, source, remotePath, mode),
    openUnixSocket: (path) => openUnixSocket(connection, path),
    openTcpTunnel: (host, port) => openTcpTunnel(connection, host, port),
    close: () => connection.end(),
  };
}
