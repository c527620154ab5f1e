import { writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { gzip } from 'node:zlib';
import { loadConfig } from '@flotilla/config';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const repoRoot = join(import.meta.dirname, '..', '..');

// `pnpm build` writes dist/, which the API serves on its own origin (apps/api/src/dashboard.ts),
// so the client talks to /trpc without CORS. `pnpm dev` runs this dev server instead, with hot
// reload, and it passes the API's paths on to the API.
export default defineConfig(({ command }) => ({
  root: import.meta.dirname,
  plugins: [react(), precompress(), recordSources()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
  },
  server: command === 'serve' ? devServer() : {},
}));

function devServer() {
  // Same settings as the API reads (HOST, PORT, FLOTILLA_WEB_DEV_PORT), from the one place.
  const config = loadConfig();
  const wildcard = config.HOST === '0.0.0.0' || config.HOST === '::';
  const apiHost = wildcard
    ? '127.0.0.1'
    : config.HOST.includes(':')
      ? `[${config.HOST}]`
      : config.HOST;
  const api = `http://${apiHost}:${config.PORT}`;
  return {
    host: config.HOST,
    port: config.FLOTILLA_WEB_DEV_PORT,
    // The API redirects browsers to exactly this port.
    strictPort: true,
    proxy: { '/api/': api, '/trpc/': api, '/health': api, '/admin/queues': api },
  };
}

const compressible = /\.(html|js|css|svg|json|map|txt)$/;

/**
 * Writes a gzip twin (`x.js.gz`) of every compressible file over 1 KiB; the API's static server
 * sends it to browsers that accept gzip, so nothing is compressed per request.
 */
function precompress(): Plugin {
  return {
    name: 'flotilla:precompress',
    apply: 'build',
    async writeBundle(options, bundle) {
      const outDir = options.dir ?? 'dist';
      await Promise.all(
        Object.values(bundle).map(async (file) => {
          if (!compressible.test(file.fileName) || file.fileName.startsWith('.')) return;
          const body = file.type === 'chunk' ? Buffer.from(file.code) : Buffer.from(file.source);
          if (body.length <= 1024) return;
          const zipped = await new Promise<Buffer>((done, fail) =>
            gzip(body, { level: 9 }, (error, result) => (error ? fail(error) : done(result))),
          );
          await writeFile(join(outDir, `${file.fileName}.gz`), zipped);
        }),
      );
    },
  };
}

/**
 * Lists the repository files the bundle was made from in dist/.sources.json (never served: the
 * API serves no dotfiles), so a test setup can tell whether a build is older than its sources.
 */
function recordSources(): Plugin {
  return {
    name: 'flotilla:record-sources',
    apply: 'build',
    generateBundle() {
      const sources = [...this.getModuleIds()]
        .filter((id) => id.startsWith(repoRoot + sep) && !id.includes(`${sep}node_modules${sep}`))
        .map((id) => relative(repoRoot, id.split('?')[0] as string))
        .sort();
      this.emitFile({
        type: 'asset',
        fileName: '.sources.json',
        source: `${JSON.stringify([...new Set(sources)], null, 1)}\n`,
      });
    },
  };
}
