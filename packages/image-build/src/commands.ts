// The shell commands of a build, as pure functions of validated values (Kamal keeps its command
// builders apart from SSH the same way): every value is quoted by `sh`, so none can end a quote
// or start a command. build.ts runs them, in order, over one SSH session.
import { sh } from '@flotilla/ssh';

/** Every build's working directory lives below this, one directory per build id. */
export const buildsRoot = '/var/lib/flotilla/builds';

/** A build's directory; ids are checked by the caller (letters, digits, `_`, `-`). */
export function buildDir(buildId: string): string {
  return `${buildsRoot}/${buildId}`;
}

/** How build.ts recognises its own processes (see stopLeftover). */
export function buildMarker(buildId: string): string {
  return `FLOTILLA_BUILD=${buildId}`;
}

/**
 * Starts a long command so that it can be stopped from another channel: its pid is written to
 * the build's directory and the process carries the build's marker in its environment. The
 * registry login is the build's own (`DOCKER_CONFIG` in its directory), never the server's
 * `~/.docker`, so builds running side by side cannot log each other out.
 */
function tracked(buildId: string, command: string): string {
  const dir = buildDir(buildId);
  return (
    sh`cd ${dir} && echo $$ > pid && export ${buildMarker(buildId)} DOCKER_CONFIG=${`${dir}/docker`} && exec ` +
    command
  );
}

/**
 * Stops what is running for this build (a cancel, or a command an earlier attempt left behind
 * when its worker was killed). The pid is trusted only while that process still carries the
 * build's marker in its environment: a pid reused by another process is left alone.
 */
export function stopRunning(buildId: string): string {
  return sh`pid=$(cat ${`${buildDir(buildId)}/pid`} 2>/dev/null) && [ -n "$pid" ] && tr '\\000' '\\n' < /proc/$pid/environ 2>/dev/null | grep -qxF ${buildMarker(buildId)} && kill -TERM "$pid"; true`;
}

/**
 * Checks the tools, removes what a previous attempt of this build left, and makes its directory
 * (root only: the registry login lands in it). Directories older than a day, of builds whose
 * cleanup was lost with their worker, go too. Prints the engine's version.
 */
export function prepare(buildId: string, needsGit: boolean): string {
  const dir = buildDir(buildId);
  const need = (tool: string) =>
    `command -v ${tool} >/dev/null || { echo "${tool} is not installed on this server" >&2; exit 3; }; `;
  return (
    need('docker') +
    (needsGit ? need('git') : '') +
    sh`mkdir -p ${buildsRoot} && find ${buildsRoot} -mindepth 1 -maxdepth 1 -mmin +1440 -exec rm -rf {} + ; ` +
    sh`rm -rf ${dir} && mkdir -m 700 ${dir} && docker version --format '{{.Server.Version}}'`
  );
}

/**
 * A shallow clone of one branch. Only http(s) and ssh transports are allowed (git's `ext::`
 * runs commands); no prompt can hang it; an ssh host is trusted on first use, as `ssh` would ask.
 */
export function clone(buildId: string, url: string, branch: string): string {
  return tracked(
    buildId,
    sh`env GIT_TERMINAL_PROMPT=0 GIT_ALLOW_PROTOCOL=http:https:ssh GIT_SSH_COMMAND='ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new' git clone --depth 1 --single-branch --no-tags --branch ${branch} -- ${url} src`,
  );
}

export function commitOf(buildId: string): string {
  return sh`git -C ${`${buildDir(buildId)}/src`} rev-parse HEAD`;
}

/** Where an upload is written over SFTP before extraction. */
export function uploadPath(buildId: string): string {
  return `${buildDir(buildId)}/source.tar`;
}

/** Extracts an upload checked by inspectTarball; `root` (a single top folder) is stripped. */
export function extract(buildId: string, root: string): string {
  const dir = buildDir(buildId);
  const strip = root ? ['--strip-components=1'] : [];
  return sh`mkdir ${`${dir}/src`} && tar -xf ${uploadPath(buildId)} -C ${`${dir}/src`} --no-same-owner --no-same-permissions ${strip} && rm -f ${uploadPath(buildId)}`;
}

export function hasDockerfile(buildId: string): string {
  return sh`test -f ${`${buildDir(buildId)}/src/Dockerfile`}`;
}

/** Where a generated Dockerfile goes: outside the context, so the source cannot replace it. */
export function generatedDockerfilePath(buildId: string): string {
  return `${buildDir(buildId)}/Dockerfile`;
}

/** The password comes on stdin, never on a command line (`ps` would show it). */
export function login(buildId: string, server: string, username: string): string {
  return sh`DOCKER_CONFIG=${`${buildDir(buildId)}/docker`} docker login --username ${username} --password-stdin ${server}`;
}

export function logout(buildId: string, server: string): string {
  return sh`DOCKER_CONFIG=${`${buildDir(buildId)}/docker`} docker logout ${server}`;
}

export interface DockerBuildOptions {
  image: string;
  /** A Dockerfile outside the source (generated); the source's own by default. */
  dockerfile?: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
}

export function build(buildId: string, options: DockerBuildOptions): string {
  const dir = buildDir(buildId);
  const args = Object.entries(options.buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
  const labels = Object.entries(options.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  const file = options.dockerfile ? ['--file', options.dockerfile] : [];
  return tracked(
    buildId,
    sh`docker build ${labels} ${args} ${file} --tag ${options.image} ${`${dir}/src`}`,
  );
}

export function push(buildId: string, image: string): string {
  return tracked(buildId, sh`docker push ${image}`);
}

/** `["registry/repo@sha256:…"]`: the digests the image has in registries, as JSON. */
export function repoDigests(image: string): string {
  return sh`docker image inspect --format '{{json .RepoDigests}}' ${image}`;
}

export function cleanup(buildId: string): string {
  return sh`rm -rf ${buildDir(buildId)}`;
}

/**
 * The Dockerfile written when the source has none: the source copied onto the base image, and
 * the build command run there (JSON form: any text is one argument to /bin/sh -c, newlines too).
 * The base image's own entrypoint and command start the app.
 */
export function generatedDockerfile(baseImage: string, buildCommand?: string): string {
  return [
    `FROM ${baseImage}`,
    'WORKDIR /app',
    'COPY . /app',
    ...(buildCommand ? [`RUN ${JSON.stringify(['/bin/sh', '-c', buildCommand])}`] : []),
    '',
  ].join('\n');
}
