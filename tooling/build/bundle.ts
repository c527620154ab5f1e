// Compiles an app (apps/api, apps/worker) from src/main.ts into one ES module that production
// runs with plain `node`.
//
// The workspace packages (@flotilla/*) are TypeScript source with no build step of their own, so
// they are bundled in. npm packages stay external: Node loads them at run time from the app's
// node_modules, which holds only what the app's package.json declares. So the build fails, naming
// the importer, when a bundled module imports an npm package the app does not declare — the
// bundle would start and then fail on that import in production.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

export interface Bundle {
  /** The app's package name. */
  name: string;
  /** main.js, the chunks it loads lazily, and their source maps, not yet written. */
  files: { name: string; contents: Uint8Array }[];
  /** How many source modules went in. */
  modules: number;
}

export class UndeclaredDependencyError extends Error {}

export async function bundleApp(appDir: string): Promise<Bundle> {
  const manifest = JSON.parse(await readFile(join(appDir, 'package.json'), 'utf8')) as {
    name: string;
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
  };
  const result = await build({
    absWorkingDir: appDir,
    entryPoints: ['src/main.ts'],
    outdir: 'out',
    // What the sources load lazily (`import('./aws.ts')`: the AWS SDK, ~10 MB of heap) stays
    // lazy: a chunk of its own, loaded on first use, instead of part of main.js.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    write: false,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    // Readable stack traces and error names in logs: no minifying, class and function names kept.
    keepNames: true,
    sourcemap: 'linked',
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    plugins: [workspaceSourceOnly],
  });

  const declared = new Set(
    Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies }),
  );
  const undeclared = new Map<string, Set<string>>();
  for (const [file, input] of Object.entries(result.metafile.inputs)) {
    for (const { path, external } of input.imports) {
      // `<runtime>` is esbuild's own helper module.
      if (!external || isBuiltin(path) || path.startsWith('<')) continue;
      const name = packageName(path);
      if (declared.has(name)) continue;
      undeclared.set(name, (undeclared.get(name) ?? new Set()).add(file));
    }
  }
  if (undeclared.size > 0) {
    const lines = [...undeclared].map(
      ([name, importers]) => `  ${name} (imported by ${[...importers].join(', ')})`,
    );
    throw new UndeclaredDependencyError(
      `${manifest.name}: the bundle imports npm packages its package.json does not declare:\n${lines.join('\n')}\nAdd each to "dependencies" (as "catalog:") so Node finds it at run time.`,
    );
  }
  return {
    name: manifest.name,
    files: result.outputFiles.map((file) => ({
      name: relative(join(appDir, 'out'), file.path),
      contents: file.contents,
    })),
    modules: Object.keys(result.metafile.inputs).length,
  };
}

export async function writeBundle(bundle: Bundle, outDir: string): Promise<void> {
  await Promise.all(
    bundle.files.map(async (file) => {
      await mkdir(dirname(join(outDir, file.name)), { recursive: true });
      await writeFile(join(outDir, file.name), file.contents);
    }),
  );
}

const workspaceSourceOnly: Plugin = {
  name: 'workspace-source-only',
  setup(bundler) {
    bundler.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@flotilla/') ? undefined : { path: args.path, external: true },
    );
    // A bundled module's import.meta would name the bundle; keep it naming the module's own source
    // file, as under tsx, so a module that reads a file beside itself (Prisma's client, the
    // dashboard's folder, package.json) finds it from the bundle too, wherever the bundle is.
    bundler.onLoad({ filter: /\.tsx?$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.')) return undefined;
      return {
        contents: source
          .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
          .replaceAll('import.meta.filename', JSON.stringify(args.path))
          .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
        loader: args.path.endsWith('.tsx') ? 'tsx' : 'ts',
        resolveDir: dirname(args.path),
      };
    });
  },
};

/** `@scope/name/sub/path` → `@scope/name`, `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}
