import type { Duplex } from 'node:stream';
import type { Connection } from './connection.ts';
import { ConnectionLostError } from './errors.ts';

/**
 * A byte stream to a Unix socket on the server (OpenSSH stream-local forwarding, on by default
 * in sshd), over the already pinned connection.
 */
export function openUnixSocket(connection: Connection, path: string): Promise<Duplex> {
  return new Promise<Duplex>((resolve, reject) => {
    if (connection.closed) {
      reject(new ConnectionLostError(`connection to ${connection.host} is closed`));
      return;
    }
    connection.client.openssh_forwardOutStreamLocal(path, (error, channel) =>
      error
        ? reject(new Error(`${connection.host}: cannot open ${path} over SSH: ${error.message}`))
        : resolve(channel),
    );
  });
}
