// `pnpm --filter @flotilla/cli build`: the whole CLI in one ES module, dist/flotilla.js. The
// workspace packages (consumed as TypeScript source) and the npm packages it imports (commander,
// the tRPC client, eventsource) are bundled in, so the packed package installs with no
// dependencies: `npm i -g` of its tarball needs nothing else from a registry.
import { chmod, readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';

export const defaultOutfile = fileURLToPath(new URL('../dist/flotilla.js', import.meta.url));

export async function buildCli(outfile = defaultOutfile): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../src/main.ts', import.meta.url))],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    // The entry's own `#!/usr/bin/env node` line is kept by esbuild at the top of the bundle.
    // Bundled CommonJS (commander) calls require(); an ES module has none of its own.
    banner: {
      js: "import { createRequire as __flotillaRequire } from 'node:module'; const require = __flotillaRequire(import.meta.url);",
    },
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  await chmod(outfile, 0o755);
  await writeLicenses(result.metafile, join(dirname(outfile), 'THIRD-PARTY-LICENSES.txt'));
  return outfile;
}

/** The licence texts of the npm packages bundled in (MIT asks for them to travel along). */
async function writeLicenses(metafile: Metafile, file: string): Promise<void> {
  const packages = new Map<string, string>();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(input);
    if (match) packages.set(match[2] as string, match[1] as string);
  }
  const sections: string[] = [];
  for (const [name, dir] of [...packages].sort(([a], [b]) => a.localeCompare(b))) {
    const root = await realpath(dir);
    const licence = (await readdir(root)).find((f) => /^licen[cs]e/i.test(f));
    const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      version: string;
    };
    const text = licence ? await readFile(join(root, licence), 'utf8') : '(no licence file)';
    sections.push(`${name}@${version}\n\n${text.trim()}\n`);
  }
  await writeFile(file, `${sections.join(`\n${'-'.repeat(72)}\n\n`)}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outfile = await buildCli();
  console.error(`built ${outfile}`);
}
