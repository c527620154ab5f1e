// The API and the worker as production runs them (`node <nodeFlags> dist/main.js`), compiled by
// the same bundler as `pnpm build` from the sources as they are now, so a test never runs a stale
// dist/. Each bundle goes to a folder named after its content, under the app's
// node_modules/.cache (where the app's npm packages resolve, as from dist/). Test files running in
// parallel may compile the same sources at once (~0.3 s): each writes a folder of its own and
// renames it into place, so no process ever starts a half-written bundle.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleApp, nodeFlags, writeBundle } from '@flotilla/build';
import { repoRoot } from './processes.ts';

export type App = 'api' | 'worker';

const compiled = new Map<App, Promise<string>>();

/** The command that starts `app` compiled, as `pnpm start` does. */
export async function compiledCommand(app: App): Promise<string[]> {
  let entry = compiled.get(app);
  if (!entry) {
    entry = compile(app);
    compiled.set(app, entry);
  }
  return [process.execPath, ...nodeFlags, await entry];
}

async function compile(app: App): Promise<string> {
  const appDir = join(repoRoot, 'apps', app);
  const bundle = await bundleApp(appDir);
  const hash = createHash('sha256');
  for (const file of bundle.files) hash.update(file.name).update(file.contents);
  const cache = join(appDir, 'node_modules/.cache/flotilla-harness');
  const dir = join(cache, hash.digest('hex').slice(0, 16));
  if (!existsSync(join(dir, 'main.js'))) {
    const staging = `${dir}.${randomUUID()}`;
    await writeBundle(bundle, staging);
    // Another process may have put the same bundle there meanwhile: then its copy serves.
    await rename(staging, dir).catch(async (error) => {
      await rm(staging, { recursive: true, force: true });
      if (!existsSync(join(dir, 'main.js'))) throw error;
    });
  }
  await pruneOlderThan(cache, 24 * 3600_000);
  return join(dir, 'main.js');
}

/** Bundles of sources long since changed (a process started from one has loaded it already). */
async function pruneOlderThan(cache: string, ageMs: number): Promise<void> {
  for (const name of await readdir(cache)) {
    const path = join(cache, name);
    const { mtimeMs } = await stat(path).catch(() => ({ mtimeMs: Date.now() }));
    if (Date.now() - mtimeMs > ageMs) await rm(path, { recursive: true, force: true });
  }
}
