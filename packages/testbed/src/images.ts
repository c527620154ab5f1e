// Test workload images, built offline from Debian's busybox-static (one static binary with a
// shell, `sleep` and an HTTP server) and loaded with `docker import`: the servers have no access
// to any public registry. Each image is a root filesystem holding /bin/busybox, its applet links
// and a small entrypoint script; they are pushed once per testbed to the testbed registry, from
// which every server pulls (by tag or by digest) as it would from a private registry.
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOk, TestbedError } from './command.ts';
import { execInHost } from './host.ts';
import type { HostState, RegistryState, TestImage, TestImages } from './state.ts';

const busyboxPath = '/bin/busybox';

type ImageKind = 'sleeper' | 'httpV1' | 'httpV2' | 'broken' | 'echo';

/** Image names below the registry address. */
const repositories: Record<ImageKind, string> = {
  sleeper: 'flotilla/sleeper:1',
  httpV1: 'flotilla/http:v1',
  httpV2: 'flotilla/http:v2',
  broken: 'flotilla/http:broken',
  // The shipped templates' image (`${registry}/echo:1`): busybox with its own CMD, no entrypoint,
  // so a template's command replaces what it runs.
  echo: 'echo:1',
};

// As PID 1, a shell ignores SIGTERM unless it traps it; the trap makes `docker stop` and Swarm
// drains finish at once instead of waiting for the kill timeout.
const sleeperScript = `#!/bin/sh
trap 'exit 0' TERM INT
sleep 2147483647 &
wait $!
`;

// busybox httpd logs each request on stderr with -vv, which is what service logs show.
const httpScript = (version: string) => `#!/bin/sh
trap 'exit 0' TERM INT
echo "flotilla-http ${version} listening on :\${PORT:-80}"
httpd -f -vv -p "\${PORT:-80}" -h /www &
wait $!
`;

const brokenScript = `#!/bin/sh
echo "flotilla-http broken: exiting at once"
exit 1
`;

// CGI: prints the process environment (what a bound database's variables look like inside).
const envCgi = `#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
env | sort
`;

async function applets(): Promise<string[]> {
  const list = await runOk(busyboxPath, ['--list']);
  return list.split('\n').filter((name) => /^[a-z0-9_.[-]+$/.test(name) && name !== 'busybox');
}

/** The root filesystem of one image as a tar stream. */
async function rootfsTar(kind: ImageKind): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-image-'));
  try {
    const root = join(dir, 'rootfs');
    await mkdir(join(root, 'bin'), { recursive: true });
    await mkdir(join(root, 'tmp'), { recursive: true, mode: 0o1777 });
    await writeFile(join(root, 'bin/busybox'), await readFile(busyboxPath), { mode: 0o755 });
    for (const name of await applets()) await symlink('busybox', join(root, 'bin', name));
    const script = (text: string) => writeFile(join(root, 'bin/entrypoint'), text, { mode: 0o755 });
    if (kind === 'sleeper') {
      await script(sleeperScript);
    } else {
      const version = kind === 'httpV2' ? 'v2' : kind === 'echo' ? 'echo' : 'v1';
      await mkdir(join(root, 'www/cgi-bin'), { recursive: true });
      await writeFile(join(root, 'www/index.html'), `${version}\n`);
      await writeFile(join(root, 'www/cgi-bin/env'), envCgi, { mode: 0o755 });
      await script(kind === 'broken' ? brokenScript : httpScript(version));
    }
    await chmod(join(root, 'tmp'), 0o1777);
    const tar = join(dir, 'rootfs.tar');
    await runOk('tar', ['-C', root, '--owner=0', '--group=0', '-cf', tar, '.']);
    return await readFile(tar);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function importCommand(name: string, kind: ImageKind): string {
  // Names are built above from the registry address and fixed repositories: nothing to quote.
  const change =
    kind === 'echo'
      ? `CMD ["/bin/busybox","httpd","-f","-vv","-p","80","-h","/www"]`
      : 'ENTRYPOINT ["/bin/entrypoint"]';
  return `docker import --change '${change}' - ${name} >/dev/null`;
}

/** Loads one image into a server's engine under its registry name; returns the name. */
export async function importImage(
  host: HostState,
  registry: RegistryState,
  kind: ImageKind = 'sleeper',
): Promise<string> {
  const name = imageName(registry, kind);
  const result = await execInHost(host, importCommand(name, kind), {
    input: await rootfsTar(kind),
  });
  if (result.code !== 0) {
    throw new TestbedError(`docker import on ${host.name}: ${result.stderr.trim()}`);
  }
  return name;
}

export function imageName(registry: Pick<RegistryState, 'address'>, kind: ImageKind): string {
  return `${registry.address}/${repositories[kind]}`;
}

/**
 * Builds every test image on one server and pushes it to the registry (logging in first when
 * the registry wants credentials, and out again after, so no server keeps them).
 */
export async function pushImages(host: HostState, registry: RegistryState): Promise<TestImages> {
  const kinds = Object.keys(repositories) as ImageKind[];
  const login =
    registry.username && registry.password
      ? await execInHost(
          host,
          `docker login -u ${registry.username} --password-stdin ${registry.address}`,
          { input: registry.password },
        )
      : null;
  if (login && login.code !== 0) {
    throw new TestbedError(`docker login to the testbed registry: ${login.stderr.trim()}`);
  }
  try {
    const images = {} as TestImages;
    for (const kind of kinds) {
      const name = await importImage(host, registry, kind);
      const push = await execInHost(host, `docker push ${name}`, { timeoutMs: 120_000 });
      const digest = /digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)?.[1];
      if (push.code !== 0 || !digest) {
        throw new TestbedError(`docker push ${name}: ${(push.stderr || push.stdout).trim()}`);
      }
      const repository = name.slice(0, name.lastIndexOf(':'));
      const image: TestImage = { name, digest, pinned: `${repository}@${digest}` };
      images[kind] = image;
    }
    return images;
  } finally {
    if (login) await execInHost(host, `docker logout ${registry.address}`);
  }
}
