// Database images for tests, built offline from this machine's Debian packages (`postgresql-15`,
// `redis-server`): the installed binaries, every shared library `ldd` names for them, what they
// read at run time (PostgreSQL's share files, time zones, the C.UTF-8 locale), busybox for a
// shell, and an entrypoint script (database-images/*.sh). The root filesystem is written as a
// tarball once per machine (cached under /var/cache, keyed by the recipe and the installed
// packages), then imported with `docker import --change …` and pushed to each testbed's
// registry as `<registry>/postgres:15` and `<registry>/redis:7`.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  chmod,
  chown,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runOk, TestbedError } from './command.ts';
import type { TestImage } from './state.ts';
import type { Testbed } from './testbed.ts';

export type DatabaseImageKind = 'postgres15' | 'redis7';

export interface DatabaseImages {
  /** `<registry>/postgres:15`: PostgreSQL 15 with psql, pg_isready, pg_dump and pg_restore. */
  postgres15: TestImage;
  /** `<registry>/redis:7`: Redis 7 (append-only persistence) with redis-cli. */
  redis7: TestImage;
}

const cacheDir = process.env.FLOTILLA_IMAGE_CACHE_DIR ?? '/var/cache/flotilla-testbed/images';
const scriptsDir = new URL('../database-images/', import.meta.url);
/** Bump when the recipe below changes in a way the key would not see. */
const recipeVersion = 1;

// The database processes run as these (as in Debian's own packages' users, fixed ids so that a
// volume's ownership means the same in every image version).
const postgresUid = 999;
const redisUid = 999;

const pgRoot = '/usr/lib/postgresql/15';

interface Recipe {
  repository: string;
  /** Debian packages it is built from (named in errors and in the cache key). */
  packages: string[];
  entrypoint: string;
  /** Executables copied to the same path (as files, symlinks resolved). */
  executables: string[];
  /** Loadable modules: copied like executables, their libraries too. */
  modules: () => Promise<string[]>;
  /** Directory trees copied as they are (symlinks kept), minus `exclude` (relative names). */
  trees: { path: string; exclude?: string[] }[];
  /** Links inside the image: path → target. */
  links: Record<string, string>;
  user: { name: string; uid: number; home: string };
  /** Directories owned by the database user: path → mode. */
  ownedDirs: Record<string, number>;
  /** `docker import --change` (dockerd 20.10 takes no STOPSIGNAL there: the service sets it). */
  changes: string[];
}

async function postgresModules(): Promise<string[]> {
  const names = (await runOk('ls', [`${pgRoot}/lib`])).split('\n');
  // llvmjit pulls in all of LLVM (≈100 MB) for JIT compilation, off in this image; sepgsql is
  // for SELinux hosts only.
  return names
    .filter((name) => name.endsWith('.so') && name !== 'llvmjit.so' && name !== 'sepgsql.so')
    .map((name) => `${pgRoot}/lib/${name}`);
}

const recipes: Record<DatabaseImageKind, Recipe> = {
  postgres15: {
    repository: 'postgres:15',
    packages: ['postgresql-15', 'postgresql-client-15'],
    entrypoint: 'postgres-entrypoint.sh',
    executables: [
      'postgres',
      'initdb',
      'pg_ctl',
      'pg_isready',
      'psql',
      'pg_dump',
      'pg_restore',
    ].map((name) => `${pgRoot}/bin/${name}`),
    modules: postgresModules,
    trees: [
      { path: '/usr/share/postgresql/15', exclude: ['man'] },
      // Debian builds PostgreSQL against the system's time zone database.
      { path: '/usr/share/zoneinfo', exclude: ['right'] },
      { path: '/usr/lib/locale/C.utf8' },
    ],
    links: {},
    user: { name: 'postgres', uid: postgresUid, home: '/var/lib/postgresql' },
    ownedDirs: {
      '/var/lib/postgresql': 0o755,
      '/var/lib/postgresql/data': 0o700,
      '/var/run/postgresql': 0o2775,
    },
    changes: [
      `ENV PATH=${pgRoot}/bin:/usr/local/bin:/usr/bin:/bin`,
      'ENV LANG=C.UTF-8',
      'ENV PGDATA=/var/lib/postgresql/data/pgdata',
      'ENTRYPOINT ["/usr/local/bin/docker-entrypoint"]',
      'EXPOSE 5432',
      'VOLUME /var/lib/postgresql/data',
    ],
  },
  redis7: {
    repository: 'redis:7',
    packages: ['redis-server', 'redis-tools'],
    entrypoint: 'redis-entrypoint.sh',
    // Debian ships the server as redis-check-rdb (redis-server links to it); one binary, whose
    // name decides what it does.
    executables: ['/usr/bin/redis-check-rdb', '/usr/bin/redis-cli'],
    modules: async () => [],
    trees: [],
    links: {
      '/usr/bin/redis-server': 'redis-check-rdb',
      '/usr/bin/redis-check-aof': 'redis-check-rdb',
    },
    user: { name: 'redis', uid: redisUid, home: '/data' },
    ownedDirs: { '/data': 0o750 },
    changes: [
      'ENV PATH=/usr/local/bin:/usr/bin:/bin',
      'ENTRYPOINT ["/usr/local/bin/docker-entrypoint"]',
      'WORKDIR /data',
      'EXPOSE 6379',
      'VOLUME /data',
    ],
  },
};

/** Absolute paths of the shared objects `ldd` says a file needs (the loader included). */
async function sharedLibraries(file: string): Promise<string[]> {
  const out = await runOk('ldd', [file]);
  const paths: string[] = [];
  for (const line of out.split('\n')) {
    if (line.includes('not found')) {
      throw new TestbedError(`${file} needs a library this machine lacks: ${line.trim()}`);
    }
    const path = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line)?.[1];
    if (path) paths.push(path);
  }
  return paths;
}

async function packageVersions(packages: string[]): Promise<string> {
  try {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's format, not a template
    return await runOk('dpkg-query', ['-W', '-f', '${Package}=${Version}\n', ...packages]);
  } catch {
    throw new TestbedError(
      `the database images are built from Debian's ${packages.join(', ')}: ` +
        `apt-get install -y ${packages.join(' ')}`,
    );
  }
}

/** Copies a file's content (symlinks followed) to the same path below `root`. */
async function copyInto(root: string, path: string, mode?: number): Promise<void> {
  const target = join(root, path);
  await mkdir(dirname(target), { recursive: true });
  await copyFile(path, target);
  await chmod(target, mode ?? (await stat(path)).mode & 0o7777);
}

const localeScript = `#!/bin/sh
[ "\${1:-}" = -a ] || { echo 'locale: only -a is supported here' >&2; exit 1; }
printf 'C\\nC.utf8\\nPOSIX\\n'
`;

async function assemble(kind: DatabaseImageKind, root: string): Promise<void> {
  const recipe = recipes[kind];
  const binaries = [...recipe.executables, ...(await recipe.modules())];
  const libraries = new Set<string>();
  for (const file of binaries) {
    for (const library of await sharedLibraries(file)) libraries.add(library);
  }
  // Debian 12 has a merged /usr (/lib → usr/lib): the image gets the same links, and each
  // library goes where its real directory is, under the name the loader asks for.
  for (const top of ['bin', 'lib', 'lib64', 'sbin']) {
    await mkdir(join(root, 'usr', top), { recursive: true });
    await symlink(`usr/${top}`, join(root, top));
  }
  for (const file of binaries) await copyInto(root, file);
  for (const library of libraries) {
    const inDir = join(await realpath(dirname(library)), library.slice(library.lastIndexOf('/')));
    const target = join(root, inDir);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(library, target);
    await chmod(target, 0o755);
  }
  for (const tree of recipe.trees) {
    await mkdir(join(root, dirname(tree.path)), { recursive: true });
    await runOk('cp', ['-a', tree.path, join(root, dirname(tree.path))]);
    for (const name of tree.exclude ?? []) {
      await rm(join(root, tree.path, name), { recursive: true, force: true });
    }
  }
  for (const [path, target] of Object.entries(recipe.links)) {
    await mkdir(join(root, dirname(path)), { recursive: true });
    await symlink(target, join(root, path));
  }

  // busybox: the shell the entrypoint runs in, and su, id, cat, mktemp, sed… as its applets.
  await copyInto(root, '/bin/busybox', 0o755);
  const applets = (await runOk('/bin/busybox', ['--list']))
    .split('\n')
    .filter((name) => /^[a-z0-9_.[-]+$/.test(name) && name !== 'busybox');
  for (const name of applets) {
    const path = join(root, 'usr/bin', name);
    await stat(path).catch(() => symlink('busybox', path));
  }
  await mkdir(join(root, 'usr/local/bin'), { recursive: true });
  // initdb lists the system's locales with `locale -a` to create their collations; the image has
  // exactly these (glibc's built-in C and POSIX, and C.UTF-8 from /usr/lib/locale).
  await writeFile(join(root, 'usr/local/bin/locale'), localeScript, { mode: 0o755 });
  await writeFile(
    join(root, 'usr/local/bin/docker-entrypoint'),
    await readFile(new URL(recipe.entrypoint, scriptsDir)),
    { mode: 0o755 },
  );

  const { name, uid, home } = recipe.user;
  await mkdir(join(root, 'etc'), { recursive: true });
  await writeFile(
    join(root, 'etc/passwd'),
    `root:x:0:0:root:/root:/bin/sh\n${name}:x:${uid}:${uid}:${name}:${home}:/bin/sh\n`,
  );
  await writeFile(join(root, 'etc/group'), `root:x:0:\n${name}:x:${uid}:\n`);
  await writeFile(
    join(root, 'etc/nsswitch.conf'),
    'passwd: files\ngroup: files\nhosts: files dns\n',
  );
  for (const dir of ['root', 'tmp', 'run', 'proc', 'sys', 'dev']) {
    await mkdir(join(root, dir), { recursive: true });
  }
  await chmod(join(root, 'tmp'), 0o1777);
  for (const [dir, mode] of Object.entries(recipe.ownedDirs)) {
    await mkdir(join(root, dir), { recursive: true });
    await chown(join(root, dir), uid, uid);
    await chmod(join(root, dir), mode);
  }
}

async function cacheKey(kind: DatabaseImageKind): Promise<string> {
  const recipe = recipes[kind];
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ kind, recipeVersion, recipe, localeScript }));
  hash.update(await readFile(new URL(recipe.entrypoint, scriptsDir)));
  hash.update(await packageVersions(recipe.packages));
  // Any package change (a library's security update) changes dpkg's status file.
  const status = await stat('/var/lib/dpkg/status');
  hash.update(`${status.size}:${status.mtimeMs}`);
  return hash.digest('hex').slice(0, 16);
}

const building = new Map<DatabaseImageKind, Promise<string>>();

/**
 * The image's root filesystem as a tarball on this machine, built on first use. Concurrent
 * builders (several test files) each write a temporary file and rename it into place.
 */
export function databaseImageTarball(kind: DatabaseImageKind): Promise<string> {
  let pending = building.get(kind);
  if (!pending) {
    pending = buildTarball(kind);
    building.set(kind, pending);
    pending.catch(() => building.delete(kind));
  }
  return pending;
}

async function buildTarball(kind: DatabaseImageKind): Promise<string> {
  const path = join(cacheDir, `${kind}-${await cacheKey(kind)}.tar`);
  if (await stat(path).catch(() => null)) return path;
  await mkdir(cacheDir, { recursive: true });
  const dir = await mkdtemp(join(cacheDir, `.build-${kind}-`));
  try {
    const root = join(dir, 'rootfs');
    await mkdir(root);
    await assemble(kind, root);
    const tar = join(dir, 'rootfs.tar');
    await runOk('tar', ['-C', root, '--numeric-owner', '-cf', tar, '.']);
    await rename(tar, path);
    // Tarballs of earlier recipes or packages are never used again.
    for (const name of await readdir(cacheDir)) {
      if (name.startsWith(`${kind}-`) && name.endsWith('.tar') && join(cacheDir, name) !== path) {
        await rm(join(cacheDir, name), { force: true });
      }
    }
    return path;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `docker import` on one server of the testbed, then `docker push`; the pushed image. */
async function importAndPush(
  testbed: Testbed,
  server: string,
  kind: DatabaseImageKind,
): Promise<TestImage> {
  const recipe = recipes[kind];
  const name = `${testbed.registry.address}/${recipe.repository}`;
  const changes = recipe.changes.map((change) => `--change '${change}'`).join(' ');
  const tarball = await databaseImageTarball(kind);
  // Names and changes are fixed strings of this module and the registry's address.
  const imported = await testbed.exec(server, `docker import ${changes} - ${name} >/dev/null`, {
    input: createReadStream(tarball),
    timeoutMs: 300_000,
  });
  if (imported.code !== 0) {
    throw new TestbedError(`docker import ${name} on ${server}: ${imported.stderr.trim()}`);
  }
  const push = await testbed.exec(server, `docker push ${name}`, { timeoutMs: 300_000 });
  const digest = /digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)?.[1];
  if (push.code !== 0 || !digest) {
    throw new TestbedError(`docker push ${name}: ${(push.stderr || push.stdout).trim()}`);
  }
  const repository = name.slice(0, name.lastIndexOf(':'));
  return { name, digest, pinned: `${repository}@${digest}` };
}

const pushed = new Map<string, Promise<DatabaseImages>>();

/**
 * The database images in a testbed's registry, built (once per machine) and pushed (once per
 * testbed and process) from its first server. With a registry that wants credentials, that
 * server logs in for the push and out again after.
 */
export function databaseImages(testbed: Testbed): Promise<DatabaseImages> {
  let pending = pushed.get(testbed.id);
  if (!pending) {
    pending = pushDatabaseImages(testbed);
    pushed.set(testbed.id, pending);
    pending.catch(() => pushed.delete(testbed.id));
  }
  return pending;
}

async function pushDatabaseImages(testbed: Testbed): Promise<DatabaseImages> {
  const server = testbed.hosts[0]?.name;
  if (!server) throw new TestbedError('databaseImages(): the testbed has no server to push from');
  const { address, username, password } = testbed.registry;
  if (username && password) {
    const login = await testbed.exec(
      server,
      `docker login -u ${username} --password-stdin ${address}`,
      { input: password },
    );
    if (login.code !== 0) {
      throw new TestbedError(`docker login to the testbed registry: ${login.stderr.trim()}`);
    }
  }
  try {
    // One after the other: both at once only make each slower on a 2-core machine.
    const postgres15 = await importAndPush(testbed, server, 'postgres15');
    const redis7 = await importAndPush(testbed, server, 'redis7');
    return { postgres15, redis7 };
  } finally {
    if (username && password) await testbed.exec(server, `docker logout ${address}`);
  }
}
