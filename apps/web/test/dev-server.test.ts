// `pnpm dev`'s dashboard: Vite's own dev server from vite.config.ts, with hot reload, passing
// the API's paths on to the API's port (here an HTTP server that says what reached it).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createServer as createViteServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const webRoot = join(import.meta.dirname, '..');

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('the dev server', () => {
  let api: Server;
  let vite: ViteDevServer;
  let url: string;

  beforeAll(async () => {
    api = createServer((req, res) => {
      if (req.url?.startsWith('/trpc/cluster.events')) {
        // An event stream that stays open: the first event must arrive while it does.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"kind":"status"}\n\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ api: `${req.method} ${req.url}` }));
    });
    const apiPort = await listen(api);
    const port = await freePort();
    // What `pnpm dev` sets: where the API listens, and Vite's port (which the API redirects to).
    process.env.HOST = '127.0.0.1';
    process.env.PORT = String(apiPort);
    process.env.FLOTILLA_WEB_DEV_PORT = String(port);
    vite = await createViteServer({
      configFile: join(webRoot, 'vite.config.ts'),
      configLoader: 'runner',
      logLevel: 'silent',
    });
    await vite.listen();
    url = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await vite?.close();
    api?.closeAllConnections();
    api?.close();
  });

  it('serves the page with the hot-reload client and compiles sources on request', async () => {
    const page = await fetch(`${url}/clusters`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/@vite/client');

    const source = await fetch(`${url}/src/main.tsx`);
    expect(source.status).toBe(200);
    expect(source.headers.get('content-type')).toMatch(/javascript/);
    expect(await source.text()).toContain('createRoot');
  });

  it('passes /api, /trpc and /health to the API', async () => {
    for (const path of ['/health', '/api/auth.status', '/trpc/auth.status?input=%7B%7D']) {
      const reply = await fetch(`${url}${path}`);
      expect(await reply.json(), path).toEqual({ api: `GET ${path}` });
    }
    const post = await fetch(`${url}/api/cluster.create`, { method: 'POST', body: '{}' });
    expect(await post.json()).toEqual({ api: 'POST /api/cluster.create' });
  });

  it('streams live events through without waiting for the end', async () => {
    const stop = new AbortController();
    const reply = await fetch(`${url}/trpc/cluster.events`, { signal: stop.signal });
    const reader = reply.body?.getReader();
    const first = await reader?.read();
    expect(new TextDecoder().decode(first?.value)).toContain('"kind":"status"');
    stop.abort();
  });
});
