// Builds on a real test server: sources from a git repository served on the testbed and from
// uploaded tarballs, `docker build` on images from the testbed registry (which wants
// credentials), pushed there, and pulled by digest from another server.
import { gzipSync } from 'node:zlib';
import { connect, type SshSession, sh } from '@flotilla/ssh';
import {
  createTestbed,
  generateKeyPair,
  serveGitRepository,
  type Testbed,
  type TestImages,
} from '@flotilla/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BuildError,
  type BuildLine,
  buildDir,
  buildImage,
  type RegistryLogin,
} from '../src/index.ts';
import { tarOf } from './tar.ts';

let testbed: Testbed;
let images: TestImages;
let builder: SshSession;
let other: SshSession;
let registry: RegistryLogin;

beforeAll(async () => {
  const keys = await generateKeyPair();
  testbed = await createTestbed({ hosts: 3, authorizedKeys: [keys.publicKey], registryAuth: true });
  registry = {
    server: testbed.registry.address,
    username: testbed.registry.username!,
    password: testbed.registry.password!,
  };
  const open = (i: number) => {
    const host = testbed.hosts[i]!;
    return connect({
      host: host.host,
      port: host.port,
      username: host.user,
      privateKey: keys.privateKey,
      timeoutMs: 20_000,
    });
  };
  [images, builder, other] = await Promise.all([testbed.images(), open(0), open(1)]);
});

afterAll(async () => {
  await Promise.all([builder?.close(), other?.close()]);
  await testbed?.destroy();
});

/** What the image serves at /, read by running it on another server after a pull by digest. */
async function servedBy(pinned: string): Promise<string> {
  const out = await other.runOk(
    'config=$(mktemp -d) && export DOCKER_CONFIG="$config" && ' +
      sh`docker login --username ${registry.username} --password-stdin ${registry.server} >/dev/null && docker pull -q ${pinned} >/dev/null && docker run --rm --entrypoint cat ${pinned} /www/index.html; status=$?; rm -rf "$config"; exit $status`,
    { input: registry.password, timeoutMs: 120_000 },
  );
  return out.trim();
}

function collect() {
  const lines: BuildLine[] = [];
  const steps: string[] = [];
  return {
    lines,
    steps,
    onLine: (line: BuildLine) => lines.push(line),
    onStep: (step: string) => steps.push(step),
    text: () => lines.map((l) => l.text).join('\n'),
  };
}

async function leftBehind(buildId: string): Promise<boolean> {
  return (await builder.run(sh`test -e ${buildDir(buildId)}`)).code === 0;
}

describe('builds', () => {
  it('builds a git repository with its Dockerfile and build command, pushes it, and another server pulls it by digest', async () => {
    const repo = await serveGitRepository(testbed, {
      name: 'web',
      files: {
        Dockerfile: [
          `FROM ${images.httpV1.name}`,
          'ARG BUILD_COMMAND',
          'COPY index.html /www/index.html',
          'RUN sh -c "$BUILD_COMMAND"',
          '',
        ].join('\n'),
        'index.html': 'git v1\n',
      },
    });
    const log = collect();
    const result = await buildImage(builder, {
      buildId: 'bld_git1',
      source: { type: 'git', url: repo.url, branch: repo.branch },
      image: `${registry.server}/acme/web:dep_1`,
      registry,
      buildCommand: 'echo "the build command ran" && echo ok > /www/built.txt',
      labels: { 'dev.flotilla.app-id': 'app_web' },
      onLine: log.onLine,
      onStep: log.onStep,
    });
    expect(result).toMatchObject({
      image: `${registry.server}/acme/web:dep_1`,
      commit: repo.commit,
      dockerfile: 'source',
    });
    expect(result.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(result.pinned).toBe(`${registry.server}/acme/web:dep_1@${result.digest}`);
    expect(log.steps).toEqual(['prepare', 'source', 'login', 'build', 'push', 'digest']);
    // The build's own output, line by line, with the step it came from.
    expect(log.text()).toContain('the build command ran');
    expect(log.lines.filter((l) => l.step === 'build').length).toBeGreaterThan(3);
    expect(log.lines.some((l) => l.step === 'push')).toBe(true);
    expect(log.text()).not.toContain(registry.password);

    expect(await servedBy(result.pinned)).toBe('git v1');
    // Nothing is left on the builder: neither the directory nor the registry login.
    expect(await leftBehind('bld_git1')).toBe(false);
    expect((await builder.run('cat ~/.docker/config.json 2>/dev/null')).stdout).not.toContain(
      registry.server,
    );
  });

  it('builds an uploaded tarball without a Dockerfile on the base image, running the build command', async () => {
    const tarball = gzipSync(
      tarOf({ 'my-site/site/index.html': 'upload v1\n', 'my-site/README': 'hello\n' }),
    );
    const log = collect();
    const result = await buildImage(builder, {
      buildId: 'bld_upload1',
      source: { type: 'upload', tarball },
      image: `${registry.server}/acme/site:dep_2`,
      registry,
      baseImage: images.httpV1.name,
      buildCommand: 'cp site/index.html /www/index.html && echo "copied the site"',
      onLine: log.onLine,
      onStep: log.onStep,
    });
    expect(result.dockerfile).toBe('generated');
    expect(log.text()).toContain('copied the site');
    expect(await servedBy(result.pinned)).toBe('upload v1');
    expect(await leftBehind('bld_upload1')).toBe(false);
  });

  it('refuses a hostile tarball before anything reaches the server', async () => {
    const tarball = tarOf({ Dockerfile: 'FROM scratch\n' }, { prefix: '../' });
    const error = await buildImage(builder, {
      buildId: 'bld_evil',
      source: { type: 'upload', tarball },
      image: `${registry.server}/acme/evil:1`,
    }).catch((e) => e);
    expect(error).toMatchObject({ code: 'invalid' });
    expect(error.message).toMatch(/"\.\." in its path/);
    expect(await leftBehind('bld_evil')).toBe(false);
  });

  it('fails a build whose Dockerfile fails, with its output, without retrying, and cleans up', async () => {
    const repo = await serveGitRepository(testbed, {
      name: 'failing',
      files: {
        Dockerfile: `FROM ${images.httpV1.name}\nRUN echo "compiling..." && exit 3\n`,
      },
    });
    const error = await buildImage(builder, {
      buildId: 'bld_fail',
      source: { type: 'git', url: repo.url, branch: 'main' },
      image: `${registry.server}/acme/failing:1`,
      registry,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(BuildError);
    expect(error).toMatchObject({ step: 'build', code: 'commandFailed', retryable: false });
    expect(error.tail.join('\n')).toContain('compiling...');
    expect(await leftBehind('bld_fail')).toBe(false);

    const noBranch = await buildImage(builder, {
      buildId: 'bld_nobranch',
      source: { type: 'git', url: repo.url, branch: 'nope' },
      image: `${registry.server}/acme/failing:1`,
    }).catch((e) => e);
    expect(noBranch).toMatchObject({ step: 'source', retryable: false });
    expect(noBranch.message).toMatch(/nope/);
  });

  it('cancels a running build at once, stopping it on the server', async () => {
    const repo = await serveGitRepository(testbed, {
      name: 'slow',
      files: { Dockerfile: `FROM ${images.httpV1.name}\nRUN echo "long step" && sleep 120\n` },
    });
    const controller = new AbortController();
    const started = Date.now();
    let cancelledAt = 0;
    const error = await buildImage(builder, {
      buildId: 'bld_cancel',
      source: { type: 'git', url: repo.url, branch: 'main' },
      image: `${registry.server}/acme/slow:1`,
      registry,
      signal: controller.signal,
      onLine: (line) => {
        if (line.text.includes('long step') && !cancelledAt) {
          cancelledAt = Date.now();
          controller.abort();
        }
      },
    }).catch((e) => e);
    expect(cancelledAt).toBeGreaterThan(started);
    expect(error).toMatchObject({ code: 'stopped', step: 'build' });
    expect(Date.now() - cancelledAt).toBeLessThan(10_000);
    // No build runs on after the cancel: no client, and the engine stopped the step's container.
    const host = testbed.hosts[0]!.name;
    const clients = await testbed.exec(
      host,
      'pgrep --ns $$ --nslist net -f "^docker build" || true',
    );
    expect(clients.stdout.trim()).toBe('');
    await expect
      .poll(async () => (await builder.runOk('docker ps -q --filter status=running')).trim(), {
        timeout: 15_000,
      })
      .toBe('');
    expect(await leftBehind('bld_cancel')).toBe(false);
  });

  it('gives up at its deadline', async () => {
    const repo = await serveGitRepository(testbed, {
      name: 'slower',
      files: { Dockerfile: `FROM ${images.httpV1.name}\nRUN sleep 120\n` },
    });
    const started = Date.now();
    const error = await buildImage(builder, {
      buildId: 'bld_deadline',
      source: { type: 'git', url: repo.url, branch: 'main' },
      image: `${registry.server}/acme/slower:1`,
      registry,
      timeoutMs: 8_000,
    }).catch((e) => e);
    expect(error).toMatchObject({ code: 'commandTimedOut', retryable: false });
    expect(error.message).toMatch(/within 8 s/);
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(await leftBehind('bld_deadline')).toBe(false);
  });
});
