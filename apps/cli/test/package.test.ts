// `npm i -g` from the workspace package, as the README tells users to: pack it, install the
// tarball into an empty prefix (offline: the bundle needs nothing from a registry), run it.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
let dir: string | undefined;
afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

it('packs into a tarball that npm i -g installs as a working flotilla', async () => {
  dir = await mkdtemp(join(tmpdir(), 'flotilla-pack-'));
  const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false' };
  // `prepack` builds dist/flotilla.js first.
  const packed = await run('npm', ['pack', '--json', '--pack-destination', dir], {
    cwd: packageDir,
    env,
  });
  const [manifest] = JSON.parse(packed.stdout) as {
    filename: string;
    files: { path: string }[];
  }[];
  if (!manifest) throw new Error(`npm pack printed no manifest: ${packed.stdout}`);
  expect(manifest.files.map((f) => f.path).sort()).toEqual([
    'README.md',
    'dist/THIRD-PARTY-LICENSES.txt',
    'dist/flotilla.js',
    'package.json',
  ]);
  const prefix = join(dir, 'prefix');
  await run(
    'npm',
    [
      'install',
      '--global',
      '--prefix',
      prefix,
      '--offline',
      '--no-audit',
      join(dir, manifest.filename),
    ],
    { env },
  );
  const flotilla = join(prefix, 'bin', 'flotilla');
  const { version } = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8'));
  const printed = await run(flotilla, ['--version'], { env: { PATH: process.env.PATH } });
  expect(printed.stdout.trim()).toBe(version);
  const help = await run(flotilla, ['--help'], { env: { PATH: process.env.PATH } });
  expect(help.stdout).toContain('Exit codes:');
  // A usage error from the installed copy: exit 2, the reason on stderr.
  const bad = await run(flotilla, ['clusters', 'ls', '--bogus'], {
    env: { PATH: process.env.PATH },
  }).catch((error: { code: number; stderr: string }) => error);
  expect(bad).toMatchObject({
    code: 2,
    stderr: expect.stringContaining("unknown option '--bogus'"),
  });
}, 120_000);
