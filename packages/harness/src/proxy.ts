// A loopback TCP proxy that a fault test can cut: `cut()` drops every open connection and
// refuses new ones, exactly what a client sees when the server behind it restarts; `restore()`
// lets connections through again. Used in front of Postgres and Redis, so a fault run never
// restarts the machine's shared services.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** `host:port` of the proxy, on 127.0.0.1. */
  port: number;
  /** Replaces host and port in a URL (postgresql://…, redis://…) with the proxy's. */
  wrap(url: string): string;
  cut(): void;
  restore(): void;
  readonly connections: number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let up = true;
  const server: Server = createServer((client) => {
    if (!up) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cut = () => {
    up = false;
    for (const socket of open) socket.destroy();
    open.clear();
  };
  const { port } = server.address() as { port: number };
  return {
    port,
    wrap(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    cut,
    restore() {
      up = true;
    },
    get connections() {
      return open.size / 2;
    },
    async close() {
      cut();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
