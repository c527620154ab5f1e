#!/usr/bin/env node
// `flotilla-bundle`, the `build` script of apps/api and apps/worker: the app in the current folder
// → dist/main.js (and its source map), run in production as `node <nodeFlags> dist/main.js`.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleApp, UndeclaredDependencyError, writeBundle } from './bundle.ts';

const appDir = process.cwd();
try {
  const bundle = await bundleApp(appDir);
  await rm(join(appDir, 'dist'), { recursive: true, force: true });
  await writeBundle(bundle, join(appDir, 'dist'));
  const main = bundle.files.find((file) => file.name === 'main.js');
  const kB = Math.round((main?.contents.byteLength ?? 0) / 1024);
  console.log(`${bundle.name}: dist/main.js, ${kB} kB from ${bundle.modules} modules`);
} catch (error) {
  // esbuild has printed its own errors already.
  if (error instanceof UndeclaredDependencyError) console.error(error.message);
  process.exit(1);
}
