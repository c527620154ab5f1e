// The dashboard, from the same origin as /api and /trpc (no CORS, no proxy in production).
// The API only serves what `pnpm build` wrote (apps/web/dist, or FLOTILLA_WEB_DIST); it never
// builds it. sirv serves the folder: the .gz twins the build wrote when the browser accepts
// gzip, ETag/304, and index.html for every page path (history routing). Hashed assets are
// cached for a year; everything else is revalidated. Under `pnpm dev` the dashboard comes from
// Vite's own dev server (hot reload) and the API sends browsers there.
import { statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve } from 'node:path';
import type { Config } from '@flotilla/config';
import type { Logger } from '@flotilla/log';
import sirv from 'sirv';

/** Answers a dashboard request and returns true, or returns false: not the dashboard's. */
export type DashboardHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export type DashboardConfig = Pick<
  Config,
  'FLOTILLA_WEB_DIST' | 'FLOTILLA_WEB_DEV' | 'FLOTILLA_WEB_DEV_PORT'
>;

// apps/api/src (or the compiled apps/api/dist) → apps/web/dist, without importing @flotilla/web.
export const defaultDashboardDir = resolve(import.meta.dirname, '../../web/dist');

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

// sirv names these without a charset (and HTML as `text/html;charset=utf-8`); say it plainly.
const textTypes: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain',
};

export function createDashboardHandler(config: DashboardConfig, log: Logger): DashboardHandler {
  if (config.FLOTILLA_WEB_DEV) return toViteDevServer(config.FLOTILLA_WEB_DEV_PORT);

  const dir = resolve(config.FLOTILLA_WEB_DIST ?? defaultDashboardDir);
  let build = openBuild(dir);
  if (!build) log.warn({ dir }, 'the dashboard is not built: run `pnpm build`');

  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://dashboard').pathname);
    } catch {
      sendText(res, 400, 'Malformed URL\n');
      return true;
    }
    const ext = extname(pathname);
    const html = ext === '' || ext === '.html';
    // A build made while the API runs (`pnpm build`) is taken up at the next page load.
    if (!build || html) build = openBuild(dir, build);
    if (!build) {
      sendNotBuilt(res);
      return true;
    }

    // Set before sirv answers, so a 304 carries them too (sirv keeps headers already set).
    res.setHeader(
      'cache-control',
      pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
    const type = html ? textTypes['.html'] : textTypes[ext];
    if (type) res.setHeader('content-type', `${type}; charset=utf-8`);
    res.setHeader('x-content-type-options', 'nosniff');
    if (html) {
      res.setHeader('content-security-policy', contentSecurityPolicy);
      res.setHeader('referrer-policy', 'no-referrer');
    }
    build.serve(req, res, () => sendText(res, 404, 'Not found\n'));
    return true;
  };
}

interface Build {
  serve: ReturnType<typeof sirv>;
  /** index.html's mtime: a new build writes a new one. */
  builtAt: number;
}

/**
 * sirv over the build in `dir`: `current` while index.html is unchanged (or gone, mid-build),
 * a fresh index of the folder once it changed. sirv reads each file's size and type once.
 */
function openBuild(dir: string, current?: Build): Build | undefined {
  const builtAt = statSync(join(dir, 'index.html'), { throwIfNoEntry: false })?.mtimeMs;
  if (builtAt === undefined || builtAt === current?.builtAt) return current;
  const serve = sirv(dir, {
    etag: true,
    gzip: true,
    single: true,
    // A missing asset (a page still holding last release's script name) is a 404, not the page.
    ignores: ['^/assets/'],
  });
  return { serve, builtAt };
}

function toViteDevServer(port: number): DashboardHandler {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    // Same host name as the browser used for the API, Vite's port.
    let host = '127.0.0.1';
    try {
      host = new URL(`http://${req.headers.host}`).hostname || host;
    } catch {}
    res.writeHead(307, { location: `http://${host}:${port}${req.url ?? '/'}` }).end();
    return true;
  };
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.removeHeader('cache-control');
  res.removeHeader('content-security-policy');
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}

const notBuiltPage = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>Flotilla: dashboard not built</title>
<h1>The dashboard is not built</h1>
<p>Run <code>pnpm build</code> (or <code>pnpm start</code>, which builds it), then reload this page.
The API serves the files from <code>FLOTILLA_WEB_DIST</code>, by default <code>apps/web/dist</code>.</p>
<p>The API itself is up: <a href="/api/docs">/api/docs</a>, <a href="/health">/health</a>.</p>
`;

function sendNotBuilt(res: ServerResponse): void {
  res.writeHead(503, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(notBuiltPage),
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'",
    'retry-after': '10',
  });
  res.end(notBuiltPage);
}
