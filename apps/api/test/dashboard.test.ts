// The dashboard's files as the API serves them (src/dashboard.ts), over a real HTTP server, from a
// folder laid out as `pnpm build` writes it: index.html, hashed assets with their .gz twins,
// .sources.json. The real build is served the same way in e2e/serving.test.ts.
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { loadConfig } from '@flotilla/config';
import { createLogger } from '@flotilla/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboardHandler, type DashboardHandler } from '../src/dashboard.ts';

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

function serve(handler: DashboardHandler): Promise<Server> {
  const server = createServer((req, res) => {
    if (!handler(req, res)) res.writeHead(418).end('not the dashboard');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const silent = createLogger({ name: 'dashboard-test', level: 'silent' });
const script = '/assets/index-Bx9f2Qa1.js';
const indexHtml = `<!doctype html>
<html lang="en">
  <head><script type="module" crossorigin src="${script}"></script></head>
  <body><div id="root"></div></body>
</html>
`;
// Something the size and shape of a bundle: compressible, well over the 1 KiB threshold.
const scriptBody = Array.from(
  { length: 400 },
  (_, i) => `export function page${i}(props) { return render("page-${i}", props); }\n`,
).join('');
const outside = 'OUTSIDE THE BUILD FOLDER';

/** A folder as `pnpm build` leaves it, inside a folder holding files that must never be served. */
async function writeBuild(root: string): Promise<string> {
  const dist = join(root, 'dist');
  await mkdir(join(dist, 'assets'), { recursive: true });
  await writeFile(join(root, 'package.json'), `{"name":"${outside}"}`);
  await writeFile(join(root, 'serve.ts'), `// ${outside}`);
  await writeFile(join(dist, 'index.html'), indexHtml);
  await writeFile(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(join(dist, script), scriptBody);
  await writeFile(join(dist, `${script}.gz`), gzipSync(scriptBody, { level: 9 }));
  await writeFile(join(dist, '.sources.json'), `["${outside}"]`);
  return dist;
}

describe('serving a build', () => {
  let dir: string;
  let server: Server;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-dashboard-'));
    const dist = await writeBuild(dir);
    server = await serve(createDashboardHandler(loadConfig({ FLOTILLA_WEB_DIST: dist }), silent));
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
    expect(reply.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(reply.headers['referrer-policy']).toBe('no-referrer');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.body.toString()).toContain('<div id="root"></div>');
    expect(reply.body.toString()).toContain(script);
  });

  it('answers every page path with the same page, so links and reloads work', async () => {
    const index = await fetchRaw(server, '/');
    for (const path of ['/clusters/cl_123', '/settings/tokens', '/sign-in?next=%2F']) {
      const reply = await fetchRaw(server, path);
      expect(reply.status, path).toBe(200);
      expect(reply.headers['cache-control'], path).toBe('no-cache');
      expect(reply.headers['content-security-policy'], path).toContain("script-src 'self'");
      expect(reply.body.equals(index.body), path).toBe(true);
    }
  });

  it('serves hashed assets as immutable, compressed when the browser accepts gzip', async () => {
    const plain = await fetchRaw(server, script);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toMatch(/accept-encoding/i);

    const zipped = await fetchRaw(server, script, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(zipped.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(zipped.body.length).toBeLessThan(plain.body.length / 2);
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
  });

  it('revalidates files that keep their name from one build to the next', async () => {
    const icon = await fetchRaw(server, '/favicon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers['cache-control']).toBe('no-cache');
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
    for (const path of ['/assets/index-deadbeef.js', '/assets/index-deadbeef', '/robots.txt']) {
      const reply = await fetchRaw(server, path);
      expect(reply.status, path).toBe(404);
      expect(reply.headers['cache-control'], path).toBeUndefined();
      expect(reply.body.toString(), path).not.toContain('<div id="root">');
    }
  });

  it('never serves files outside the build folder, nor its dotfiles', async () => {
    for (const path of [
      '/../package.json',
      '/%2e%2e/package.json',
      '/assets/..%2f..%2fserve.ts',
      '/.sources.json',
    ]) {
      const reply = await fetchRaw(server, path);
      expect(reply.body.toString(), path).not.toContain(outside);
    }
    expect((await fetchRaw(server, '/%E0%A4%A')).status).toBe(400);
  });

  it('leaves other methods to the API', async () => {
    const reply = await fetchRaw(server, '/', { method: 'POST' });
    expect(reply.status).toBe(418);
  });
});

describe('no build yet', () => {
  it('says to run pnpm build, in the log and on the page, and serves the build once it exists', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flotilla-dashboard-missing-'));
    const lines: string[] = [];
    const log = createLogger({
      name: 'dashboard-test',
      level: 'warn',
      destination: { write: (line: string) => void lines.push(line) },
    });
    const server = await serve(
      createDashboardHandler(loadConfig({ FLOTILLA_WEB_DIST: join(dir, 'dist') }), log),
    );
    try {
      expect(lines.join('')).toContain('run `pnpm build`');
      const page = await fetchRaw(server, '/clusters');
      expect(page.status).toBe(503);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.body.toString()).toContain('<code>pnpm build</code>');

      await writeBuild(dir);
      const built = await fetchRaw(server, '/clusters');
      expect(built.status).toBe(200);
      expect(built.body.toString()).toContain('<div id="root"></div>');
    } finally {
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a new build while the API runs', () => {
  it('is served from the next page load on, without a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flotilla-dashboard-rebuilt-'));
    const dist = await writeBuild(dir);
    const server = await serve(
      createDashboardHandler(loadConfig({ FLOTILLA_WEB_DIST: dist }), silent),
    );
    try {
      expect((await fetchRaw(server, '/')).body.toString()).toContain(script);
      // What `vite build` leaves: a new script name, a new index.html naming it.
      const next = '/assets/index-Nw2b7Kq9.js';
      await rm(join(dist, 'assets'), { recursive: true });
      await mkdir(join(dist, 'assets'));
      await writeFile(join(dist, next), 'export const next = true;\n');
      const page = indexHtml.replace(script, next);
      await writeFile(join(dist, 'index.html'), page);
      await utimes(join(dist, 'index.html'), new Date(), new Date(Date.now() + 5_000));

      const reloaded = await fetchRaw(server, '/clusters');
      expect(reloaded.body.toString()).toBe(page);
      expect(Number(reloaded.headers['content-length'])).toBe(Buffer.byteLength(page));
      expect((await fetchRaw(server, next)).status).toBe(200);
      expect((await fetchRaw(server, script)).status).toBe(404);
    } finally {
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('under pnpm dev', () => {
  it('sends page requests to Vite’s dev server on the same host', async () => {
    const server = await serve(
      createDashboardHandler(
        loadConfig({ FLOTILLA_WEB_DEV: 'true', FLOTILLA_WEB_DEV_PORT: '5199' }),
        silent,
      ),
    );
    try {
      const reply = await fetchRaw(server, '/clusters/cl_1?tab=log', {
        headers: { host: 'localhost:3000' },
      });
      expect(reply.status).toBe(307);
      expect(reply.headers.location).toBe('http://localhost:5199/clusters/cl_1?tab=log');
      expect((await fetchRaw(server, '/', { method: 'POST' })).status).toBe(418);
    } finally {
      server.close();
    }
  });
});
