// The dashboard build the browser tests run against: apps/web/dist, as `pnpm build` makes it.
// The suite rebuilds it (once, in setup.ts) when it is missing or older than what it was built
// from, so a test never drives yesterday's dashboard.
import { spawn } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

const repoRoot = join(import.meta.dirname, '..');
export const webDist = join(repoRoot, 'apps', 'web', 'dist');

// Inputs of the build beside the modules it bundled (which the build lists in .sources.json).
const buildInputs = [
  'apps/web/vite.config.ts',
  'apps/web/package.json',
  'apps/web/public',
  'pnpm-lock.yaml',
];

async function newestChange(path: string): Promise<{ path: string; mtimeMs: number }> {
  const info = await stat(path);
  if (!info.isDirectory()) return { path, mtimeMs: info.mtimeMs };
  const entries = await readdir(path);
  const changes = await Promise.all(entries.map((entry) => newestChange(join(path, entry))));
  return changes.reduce((a, b) => (b.mtimeMs > a.mtimeMs ? b : a), { path, mtimeMs: 0 });
}

/** Why apps/web/dist cannot be used as it is, or undefined when it is current. */
export async function staleBuildReason(dist = webDist): Promise<string | undefined> {
  const built = await stat(join(dist, 'index.html')).catch(() => undefined);
  const listed = await readFile(join(dist, '.sources.json'), 'utf8').catch(() => undefined);
  if (!built || !listed) return 'no build yet';
  for (const source of [...(JSON.parse(listed) as string[]), ...buildInputs]) {
    const change = await newestChange(join(repoRoot, source)).catch(() => undefined);
    // A source that is gone was renamed or removed: the build bundled something else.
    if (!change) return `${source} is gone`;
    if (change.mtimeMs > built.mtimeMs) return `${change.path} changed after the build`;
  }
  return undefined;
}

/** `pnpm --filter @flotilla/web build`, as `pnpm build` runs it; fails with its output. */
export function buildDashboard(): Promise<void> {
  return new Promise((resolve, reject) => {
    // Tests run with NODE_ENV=test, which would bundle React's development runtime.
    const child = spawn('pnpm', ['--filter', '@flotilla/web', 'build'], {
      cwd: repoRoot,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`dashboard build failed (${code}):\n${output}`)),
    );
  });
}
