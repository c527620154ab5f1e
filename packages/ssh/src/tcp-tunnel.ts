import type { Duplex } from 'node:stream';
import type { Connection } from './connection.ts';
import { ConnectionLostError } from './errors.ts';

/**
 * A byte stream to a TCP port as seen from the server (a `direct-tcpip` channel, what `ssh -L`
 * uses; sshd allows it by default), over the already pinned connection: a service listening on
 * the server's loopback (the Kubernetes API on 127.0.0.1:6443) is reached without exposing it.
 */
export function openTcpTunnel(connection: Connection, host: string, port: number): Promise<Duplex> {
  return new Promise<Duplex>((resolve, reject) => {
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      reject(new RangeError(`port: an integer from 1 to 65535, not ${port}`));
      return;
    }
    if (connection.closed) {
      reject(new ConnectionLostError(`connection to ${connection.host} is closed`));
      return;
    }
    // The originator address is informational for sshd; loopback says "this process".
    connection.client.forwardOut('127.0.0.1', 0, host, port, (error, channel) =>
      error
        ? reject(
            new Error(`${connection.host}: cannot open ${host}:${port} over SSH: ${error.message}`),
          )
        : resolve(channel),
    );
  });
}
