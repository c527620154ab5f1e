// The dashboard as the API process serves it: a real `vite build`, a real HTTP server.
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInto, createWebHandler, type WebHandler } from '../serve.ts';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function fetchRaw(
  server: Server,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    // node:http sends the path exactly as given (fetch would normalise away the `..`).
    const req = request({ host: '127.0.0.1', port, path, ...options }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

function serve(handler: WebHandler): Promise<Server> {
  const server = createServer(async (req, res) => {
    if (!(await handler(req, res))) res.writeHead(418).end('not the dashboard');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('production serving', () => {
  let dir: string;
  let server: Server;
  let script: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-web-'));
    await buildInto(join(dir, 'dist'));
    const handler = createWebHandler({ dev: false, distDir: join(dir, 'dist') });
    server = await serve(handler);
    const assets = await readdir(join(dir, 'dist', 'assets'));
    const entry = assets.find((name) => name.endsWith('.js'));
    if (!entry) throw new Error(`no script in ${assets.join(', ')}`);
    script = `/assets/${entry}`;
  });

  afterAll(async () => {
    server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers / with the page, never cached, under a strict content security policy', async () => {
    const reply = await fetchRaw(server, '/');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.headers['cache-control']).toBe('no-cache');
    expect(reply.headers['content-security-policy']).toContain("script-src 'self'");
    expect(reply.body.toString()).toContain('<div id="root"></div>');
    expect(reply.body.toString()).toContain(script);
  });

  it('answers every page path with the same page, so links and reloads work', async () => {
    const index = await fetchRaw(server, '/');
    for (const path of ['/clusters/cl_123', '/settings/tokens', '/sign-in?next=%2F']) {
      const reply = await fetchRaw(server, path);
      expect(reply.status, path).toBe(200);
      expect(reply.body.equals(index.body), path).toBe(true);
    }
  });

  it('serves hashed assets as immutable, compressed when the browser accepts gzip', async () => {
    const plain = await fetchRaw(server, script);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-encoding']).toBeUndefined();

    const zipped = await fetchRaw(server, script, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.body.length).toBeLessThan(plain.body.length / 2);
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
  });

  it('answers a repeated request with 304 when the browser already has the file', async () => {
    const first = await fetchRaw(server, script);
    const etag = String(first.headers.etag);
    const again = await fetchRaw(server, script, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it('answers HEAD with headers only', async () => {
    const reply = await fetchRaw(server, '/', { method: 'HEAD' });
    expect(reply.status).toBe(200);
    expect(Number(reply.headers['content-length'])).toBeGreaterThan(0);
    expect(reply.body.length).toBe(0);
  });

  it('answers a missing asset with 404 instead of the HTML page', async () => {
    const reply = await fetchRaw(server, '/assets/index-deadbeef.js');
    expect(reply.status).toBe(404);
  });

  it('never serves files outside the build folder', async () => {
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/assets/..%2f..%2fserve.ts']) {
      const reply = await fetchRaw(server, path);
      expect(reply.body.toString(), path).not.toContain('@flotilla/web');
      expect(reply.body.toString(), path).not.toContain('createWebHandler');
    }
    expect((await fetchRaw(server, '/%E0%A4%A')).status).toBe(400);
  });

  it('leaves other methods to the API', async () => {
    const reply = await fetchRaw(server, '/', { method: 'POST' });
    expect(reply.status).toBe(418);
  });

  it('ships a browser bundle without server-only code', async () => {
    const files = await readdir(join(dir, 'dist', 'assets'));
    for (const name of files.filter((file) => file.endsWith('.js'))) {
      const code = await readFile(join(dir, 'dist', 'assets', name), 'utf8');
      for (const marker of ['@prisma/client', 'node:fs', 'node:crypto', 'ioredis', 'ssh2']) {
        expect(code, `${name} contains ${marker}`).not.toContain(marker);
      }
    }
  });
});

describe('a build older than the dashboard sources', () => {
  it('is rebuilt before the first page is served', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flotilla-web-stale-'));
    const distDir = join(dir, 'dist');
    try {
      await buildInto(distDir);
      // Pretend the build predates the sources (a `git pull` since).
      await writeFile(join(distDir, 'index.html'), '<!doctype html><p>stale build</p>');
      await utimes(join(distDir, 'index.html'), new Date(0), new Date(0));
      const server = await serve(createWebHandler({ dev: false, distDir }));
      try {
        const page = await fetchRaw(server, '/');
        expect(page.body.toString()).toContain('<div id="root"></div>');
        expect((await stat(join(distDir, 'index.html'))).mtimeMs).toBeGreaterThan(0);
        expect((await readdir(dir)).sort()).toEqual(['dist']);
      } finally {
        server.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('development serving', () => {
  let server: Server;
  let handler: WebHandler;

  beforeAll(async () => {
    handler = createWebHandler({ dev: true });
    server = await serve(handler);
  });

  afterAll(async () => {
    server?.close();
    await handler?.close();
  });

  it('serves the page with the hot-reload client and compiles sources on request', async () => {
    const page = await fetchRaw(server, '/clusters');
    expect(page.status).toBe(200);
    expect(page.body.toString()).toContain('/@vite/client');

    const source = await fetchRaw(server, '/src/main.tsx');
    expect(source.status).toBe(200);
    expect(source.headers['content-type']).toMatch(/javascript/);
    expect(source.body.toString()).toContain('createRoot');
  });
});
