// A build on a cluster server over SSH: the source (a shallow git clone, or an uploaded tarball
// checked by inspectTarball and sent over SFTP) → `docker build` → `docker push` to the
// organization's registry → the digest the registry now serves. Output streams line by line as
// it is printed; the whole build has a deadline and can be cancelled, which stops the running
// command on the server (the engine then cancels the build or push it was doing).
import { StringDecoder } from 'node:string_decoder';
import { FlotillaError } from '@flotilla/errors';
import { CommandTimeoutError, maskSecrets, type SshSession } from '@flotilla/ssh';
import * as commands from './commands.ts';
import { redactUrl, urlSecrets } from './source.ts';
import { defaultTarballLimits, inspectTarball, type TarballLimits } from './tarball.ts';

export type BuildSource =
  | { type: 'git'; url: string; branch: string }
  | { type: 'upload'; tarball: Buffer };

export interface RegistryLogin {
  /** host[:port], as in the image name. */
  server: string;
  username: string;
  password: string;
}

export type BuildStep = 'prepare' | 'source' | 'login' | 'build' | 'push' | 'digest';

export interface BuildLine {
  step: BuildStep;
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface BuildRequest {
  /** Names the build's directory on the server; a retry with the same id starts it afresh. */
  buildId: string;
  source: BuildSource;
  /** What to tag and push: `registry/repository:tag` (no digest). */
  image: string;
  /** The registry pushed to (and pulled from, for a private base image). */
  registry?: RegistryLogin;
  /** Passed as the build argument BUILD_COMMAND, or run by a generated Dockerfile. */
  buildCommand?: string;
  /** For a source without a Dockerfile: the image a generated Dockerfile starts from. */
  baseImage?: string;
  /** Labels on the built image (ownership). */
  labels?: Record<string, string>;
  /** The whole build, default 30 minutes. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Each line of output, as it is printed (secrets masked). */
  onLine?: (line: BuildLine) => void;
  /** Each finished step, with what it did. */
  onStep?: (step: BuildStep, detail: string, durationMs: number) => void;
  tarballLimits?: TarballLimits;
}

export interface BuildResult {
  /** The tag pushed. */
  image: string;
  /** The manifest digest the registry serves for it. */
  digest: string;
  /** `repository:tag@digest`, what a deploy pins. */
  pinned: string;
  /** The commit built, for a git source. */
  commit?: string;
  dockerfile: 'source' | 'generated';
  durationMs: number;
}

/** A build that did not produce an image; `step` says where, `tail` the last lines printed. */
export class BuildError extends FlotillaError {
  override name = 'BuildError';
  constructor(
    readonly step: BuildStep,
    message: string,
    readonly tail: string[],
    options: { code?: 'commandFailed' | 'commandTimedOut' | 'stopped'; retryable?: boolean } = {},
  ) {
    super(options.code ?? 'commandFailed', message, {
      ...(options.retryable !== undefined ? { retryable: options.retryable } : {}),
    });
  }
}

const defaultTimeoutMs = 30 * 60_000;
const buildIdPattern = /^[A-Za-z0-9_-]{1,64}$/;
const tailLines = 30;

/** Splits a stream's chunks into lines (`\r` too: progress bars redraw with it). */
function lineSplitter(emit: (line: string) => void) {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  return {
    push(chunk: Buffer) {
      carry += decoder.write(chunk);
      const parts = carry.split(/\r\n|\r|\n/);
      carry = parts.pop() ?? '';
      for (const part of parts) if (part.trim() !== '') emit(part);
    },
    flush() {
      carry += decoder.end();
      if (carry.trim() !== '') emit(carry);
      carry = '';
    },
  };
}

export async function buildImage(session: SshSession, request: BuildRequest): Promise<BuildResult> {
  const { buildId, source, image, registry, signal } = request;
  if (!buildIdPattern.test(buildId)) {
    throw new FlotillaError('invalid', 'buildId: letters, digits, "_" and "-" (at most 64)');
  }
  const started = Date.now();
  const deadline = started + (request.timeoutMs ?? defaultTimeoutMs);
  const secrets = [
    ...(registry ? [registry.password] : []),
    ...(source.type === 'git' ? urlSecrets(source.url) : []),
  ];
  const tail: string[] = [];

  const stopped = (step: BuildStep) =>
    new BuildError(step, `build cancelled during ${step}`, [...tail], { code: 'stopped' });
  const timedOut = (step: BuildStep) =>
    new BuildError(
      step,
      `build did not finish within ${Math.round((request.timeoutMs ?? defaultTimeoutMs) / 1000)} s (during ${step})`,
      [...tail],
      { code: 'commandTimedOut', retryable: false },
    );
  const remaining = (step: BuildStep) => {
    if (signal?.aborted) throw stopped(step);
    const left = deadline - Date.now();
    if (left <= 0) throw timedOut(step);
    return left;
  };

  /** Runs one command of `step`, its output streamed; a non-zero exit throws BuildError. */
  const run = async (
    step: BuildStep,
    command: string,
    options: { input?: string; quiet?: boolean; retryable?: boolean; label?: string } = {},
  ): Promise<string> => {
    const timeoutMs = remaining(step);
    const emit = (stream: 'stdout' | 'stderr') =>
      lineSplitter((raw) => {
        const text = maskSecrets(raw, secrets);
        tail.push(text);
        if (tail.length > tailLines) tail.shift();
        if (!options.quiet) request.onLine?.({ step, stream, text });
      });
    const out = { stdout: emit('stdout'), stderr: emit('stderr') };
    let result: Awaited<ReturnType<SshSession['run']>>;
    try {
      result = await session.run(command, {
        timeoutMs,
        label: options.label ?? `build ${step}`,
        secrets,
        ...(options.input !== undefined ? { input: options.input } : {}),
        onOutput: (chunk, stream) => out[stream].push(chunk),
      });
    } catch (error) {
      if (error instanceof CommandTimeoutError) throw timedOut(step);
      throw error;
    } finally {
      out.stdout.flush();
      out.stderr.flush();
    }
    if (signal?.aborted) throw stopped(step);
    if (result.code !== 0) {
      const last = maskSecrets(result.stderr.trim() || result.stdout.trim(), secrets)
        .split('\n')
        .slice(-5)
        .join('\n');
      throw new BuildError(step, `${step} failed (exit ${result.code}): ${last}`, [...tail], {
        ...(options.retryable !== undefined ? { retryable: options.retryable } : {}),
      });
    }
    return result.stdout;
  };

  const timed = async <T>(
    step: BuildStep,
    fn: () => Promise<T>,
    describe: (value: T) => string,
  ): Promise<T> => {
    const stepStarted = Date.now();
    const value = await fn();
    request.onStep?.(step, describe(value), Date.now() - stepStarted);
    return value;
  };

  // A cancel stops the command running on the server; the step then throws `stopped`.
  const onAbort = () => {
    session.run(commands.stopRunning(buildId), { timeoutMs: 15_000 }).catch(() => undefined);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  let loggedIn = false;
  try {
    remaining('prepare');
    // Checked before anything reaches the server: a bad upload is the user's to fix.
    const tarball =
      source.type === 'upload'
        ? await inspectTarball(source.tarball, request.tarballLimits ?? defaultTarballLimits)
        : undefined;

    await timed(
      'prepare',
      async () => {
        await session.run(commands.stopRunning(buildId), { timeoutMs: 15_000 });
        return run('prepare', commands.prepare(buildId, source.type === 'git'), {
          retryable: false,
        });
      },
      (version) => `docker ${version.trim()} on ${session.host}; ${commands.buildDir(buildId)}`,
    );

    const commit = await timed(
      'source',
      async () => {
        if (source.type === 'git') {
          await run('source', commands.clone(buildId, source.url, source.branch), {
            retryable: false,
            label: `git clone ${redactUrl(source.url)}`,
          });
          return (await run('source', commands.commitOf(buildId), { quiet: true })).trim();
        }
        remaining('source');
        await session.upload(source.tarball, commands.uploadPath(buildId), 0o600);
        await run('source', commands.extract(buildId, tarball!.root), { retryable: false });
        return undefined;
      },
      (sha) =>
        source.type === 'git'
          ? `cloned ${redactUrl(source.url)} branch ${source.branch} at ${sha}`
          : `uploaded ${source.tarball.length} bytes, ${tarball!.files} files unpacked`,
    );

    const ownDockerfile =
      source.type === 'upload'
        ? tarball!.hasDockerfile
        : (await session.run(commands.hasDockerfile(buildId), { timeoutMs: remaining('build') }))
            .code === 0;
    let dockerfile: string | undefined;
    if (!ownDockerfile) {
      if (!request.baseImage) {
        throw new BuildError(
          'build',
          'the source has no Dockerfile at its top, and no base image is set to generate one',
          [],
          { retryable: false },
        );
      }
      dockerfile = commands.generatedDockerfilePath(buildId);
      await session.upload(
        Buffer.from(commands.generatedDockerfile(request.baseImage, request.buildCommand)),
        dockerfile,
        0o600,
      );
    }

    if (registry) {
      await timed(
        'login',
        () =>
          run('login', commands.login(buildId, registry.server, registry.username), {
            input: registry.password,
          }),
        () => `logged in to ${registry.server} as ${registry.username} (for this build only)`,
      );
      loggedIn = true;
    }

    await timed(
      'build',
      () =>
        run(
          'build',
          commands.build(buildId, {
            image,
            ...(dockerfile ? { dockerfile } : {}),
            buildArgs:
              ownDockerfile && request.buildCommand ? { BUILD_COMMAND: request.buildCommand } : {},
            labels: request.labels ?? {},
          }),
          { retryable: false, label: `docker build ${image}` },
        ),
      () =>
        `built ${image} from ${ownDockerfile ? "the source's Dockerfile" : `a Dockerfile on ${request.baseImage}`}`,
    );

    await timed(
      'push',
      () => run('push', commands.push(buildId, image), { label: `docker push ${image}` }),
      () => `pushed ${image}`,
    );

    const digest = await timed(
      'digest',
      async () => {
        const listed = JSON.parse(
          (await run('digest', commands.repoDigests(image), { quiet: true })).trim() || '[]',
        ) as string[];
        const repository = image.slice(0, image.lastIndexOf(':'));
        const found = listed
          .find((entry) => entry.startsWith(`${repository}@`))
          ?.slice(repository.length + 1);
        if (!found || !/^sha256:[a-f0-9]{64}$/.test(found)) {
          throw new BuildError(
            'digest',
            `the engine reports no digest of ${image} in its registry`,
            [...tail],
          );
        }
        return found;
      },
      (d) => `${image} is ${d}`,
    );

    return {
      image,
      digest,
      pinned: `${image}@${digest}`,
      ...(commit ? { commit } : {}),
      dockerfile: ownDockerfile ? 'source' : 'generated',
      durationMs: Date.now() - started,
    };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // The login is forgotten and the directory removed whatever happened; if the server is gone
    // the next attempt (or the sweep of day-old directories) removes it.
    const tidy = `${loggedIn && registry ? `${commands.logout(buildId, registry.server)} >/dev/null 2>&1; ` : ''}${commands.cleanup(buildId)}`;
    await session.run(tidy, { timeoutMs: 30_000 }).catch(() => undefined);
  }
}
