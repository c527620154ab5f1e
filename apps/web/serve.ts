// Serves the dashboard from the API's own HTTP server (same origin as /trpc and /api).
// Production: the files `vite build` wrote to apps/web/dist, built here once if missing, with
// long-lived caching for hashed assets and index.html for every other page (history routing).
// Development: Vite in middleware mode, so edits reload in the browser.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface WebHandlerOptions {
  /** Vite dev server with hot reload instead of the built files. */
  dev: boolean;
  /** Where the built files live (default apps/web/dist). */
  distDir?: string;
  /** In dev mode, attach Vite's hot-reload websocket to this server instead of its own port. */
  hmrServer?: Server;
  /** Where a failed rebuild is reported (default: console). */
  warn?: (message: string) => void;
}

/** Resolves true when it answered the request, false when the path is not the dashboard's. */
export interface WebHandler {
  (req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Stops the Vite dev server (dev mode); nothing to release in production. */
  close(): Promise<void>;
}

const webRoot = import.meta.dirname;

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};
const compressible = new Set(['.html', '.js', '.css', '.svg', '.json', '.map', '.txt']);

// The page loads only its own scripts and styles and talks only to its own origin.
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface StaticFile {
  body: Buffer;
  gzip?: Buffer;
  etag: string;
  type: string;
}

export function createWebHandler(options: WebHandlerOptions): WebHandler {
  return options.dev ? devHandler(options) : productionHandler(options);
}

function devHandler(options: WebHandlerOptions): WebHandler {
  // Vite is a development dependency: load it only when asked for hot reload.
  const vite = import('vite').then(({ createServer }) =>
    createServer({
      configFile: join(webRoot, 'vite.config.ts'),
      root: webRoot,
      appType: 'spa',
      server: {
        middlewareMode: true,
        hmr: options.hmrServer ? { server: options.hmrServer } : true,
      },
    }),
  );
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const server = await vite;
    return new Promise<boolean>((done, fail) => {
      res.once('finish', () => done(true));
      server.middlewares(req, res, (error?: unknown) => (error ? fail(error) : done(false)));
    });
  };
  return Object.assign(handler, {
    close: async () => (await vite).close(),
  });
}

function productionHandler(options: WebHandlerOptions): WebHandler {
  const distDir = resolve(options.distDir ?? join(webRoot, 'dist'));
  const ready = buildIfStale(distDir, options.warn ?? console.warn);
  // Built files never change while the process runs: read and compress each once.
  const files = new Map<string, Promise<StaticFile | undefined>>();

  function load(path: string): Promise<StaticFile | undefined> {
    let file = files.get(path);
    if (!file) {
      file = readStatic(path);
      files.set(path, file);
    }
    return file;
  }

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    await ready;

    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://dashboard').pathname);
    } catch {
      send(req, res, 400, 'text/plain; charset=utf-8', Buffer.from('Malformed URL\n'));
      return true;
    }
    const target = resolve(distDir, `.${pathname}`);
    if (target !== distDir && !target.startsWith(distDir + sep)) {
      send(req, res, 404, 'text/plain; charset=utf-8', Buffer.from('Not found\n'));
      return true;
    }

    const asset = pathname === '/' ? undefined : await load(target);
    if (asset) {
      const immutable = pathname.startsWith('/assets/');
      serveFile(req, res, asset, immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      return true;
    }
    // A missing file with an extension (a stale /assets/x.js) is a 404, not the HTML page.
    if (extname(pathname) && extname(pathname) !== '.html') {
      send(req, res, 404, 'text/plain; charset=utf-8', Buffer.from('Not found\n'));
      return true;
    }
    const index = await load(join(distDir, 'index.html'));
    if (!index) throw new Error(`dashboard build is missing ${join(distDir, 'index.html')}`);
    serveFile(req, res, index, 'no-cache');
    return true;
  };
  return Object.assign(handler, { close: async () => {} });
}

async function readStatic(path: string): Promise<StaticFile | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  const body = await readFile(path);
  const ext = extname(path);
  return {
    body,
    gzip: compressible.has(ext) && body.length > 1024 ? gzipSync(body) : undefined,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    type: contentTypes[ext] ?? 'application/octet-stream',
  };
}

function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: StaticFile,
  cacheControl: string,
): void {
  res.setHeader('etag', file.etag);
  res.setHeader('cache-control', cacheControl);
  res.setHeader('vary', 'accept-encoding');
  if (file.type.startsWith('text/html')) {
    res.setHeader('content-security-policy', contentSecurityPolicy);
    res.setHeader('referrer-policy', 'no-referrer');
  }
  if (req.headers['if-none-match'] === file.etag) {
    res.writeHead(304).end();
    return;
  }
  const gzip = file.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  if (gzip) res.setHeader('content-encoding', 'gzip');
  send(req, res, 200, file.type, gzip && file.gzip ? file.gzip : file.body);
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  type: string,
  body: Buffer,
): void {
  res.setHeader('content-type', type);
  res.setHeader('content-length', body.length);
  res.setHeader('x-content-type-options', 'nosniff');
  res.writeHead(status);
  res.end(req.method === 'HEAD' ? undefined : body);
}

async function newestChange(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(path);
  const times = await Promise.all(entries.map((entry) => newestChange(join(path, entry))));
  return Math.max(info.mtimeMs, ...times);
}

/**
 * Builds when there is no build, or when the dashboard's own sources changed after it (a
 * `git pull` followed by `pnpm start`). A build that cannot run (no Vite in a pruned install)
 * leaves an existing build in service.
 */
async function buildIfStale(distDir: string, warn: (message: string) => void): Promise<void> {
  const built = await stat(join(distDir, 'index.html')).catch(() => undefined);
  if (!built) return buildInto(distDir);
  const sources = ['src', 'public', 'index.html', 'vite.config.ts'].map((name) =>
    newestChange(join(webRoot, name)),
  );
  if (Math.max(...(await Promise.all(sources))) <= built.mtimeMs) return;
  await buildInto(distDir).catch((error: unknown) => {
    warn(`dashboard rebuild failed, serving the previous build: ${String(error)}`);
  });
}

/**
 * Builds the dashboard when no build exists (a fresh clone running `pnpm start`). The build runs
 * in its own process with NODE_ENV=production (a build started from a test run would otherwise
 * bundle React's development runtime) and writes to a private folder first, moved into place at
 * the end, so a concurrent reader never sees half a build and two builders never clobber each
 * other.
 */
export async function buildInto(distDir: string): Promise<void> {
  const viteBin = join(
    dirname(createRequire(import.meta.url).resolve('vite/package.json')),
    'bin',
    'vite.js',
  );
  const staging = `${distDir}.building-${process.pid}-${Date.now()}`;
  try {
    await new Promise<void>((done, fail) => {
      const child = spawn(
        process.execPath,
        [viteBin, 'build', '--outDir', staging, '--emptyOutDir', '--logLevel', 'warn'],
        {
          cwd: webRoot,
          env: { ...process.env, NODE_ENV: 'production' },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.once('error', fail);
      child.once('exit', (code) =>
        code === 0 ? done() : fail(new Error(`vite build failed (${code}): ${stderr.trim()}`)),
      );
    });
    // Swap the old build out and the new one in; readers in this process wait for `ready`.
    const previous = `${distDir}.previous-${process.pid}-${Date.now()}`;
    await rename(distDir, previous).catch(() => {});
    await rename(staging, distDir);
    await rm(previous, { recursive: true, force: true });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
