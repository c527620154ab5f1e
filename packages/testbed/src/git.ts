// A git repository served over smart HTTP from a test server, for builds that clone from git
// with no outside network: a bare repository, `git http-backend` as a CGI program of busybox's
// httpd (on the server's own address, so every other test server reaches it), shallow clones
// included. Calling it again for the same repository commits the new files on top.
import { TestbedError } from './command.ts';
import type { Testbed } from './testbed.ts';

export interface ServeGitOptions {
  /** The server that serves it; default the testbed's last. */
  host?: string;
  /** The repository's name: `<name>.git` in the URL. */
  name: string;
  /** Path → content; the tree of the commit (files not named are removed). */
  files: Record<string, string>;
  branch?: string;
  /** Default 8418. */
  port?: number;
}

export interface GitRepository {
  /** `http://<server>:<port>/cgi-bin/git/<name>.git` */
  url: string;
  branch: string;
  /** The commit just made. */
  commit: string;
}

const root = '/var/lib/flotilla-git';

const cgi = `#!/bin/sh
export GIT_PROJECT_ROOT=${root}/repos GIT_HTTP_EXPORT_ALL=1
exec git http-backend
`;

const q = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

export async function serveGitRepository(
  testbed: Testbed,
  options: ServeGitOptions,
): Promise<GitRepository> {
  const server = testbed.hosts.find((h) => h.name === options.host) ?? testbed.hosts.at(-1);
  if (!server) throw new TestbedError('the testbed has no server to serve git from');
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(options.name)) {
    throw new TestbedError(`repository name ${options.name}: lower case, digits, - and _`);
  }
  const branch = options.branch ?? 'main';
  const port = options.port ?? 8418;
  const bare = `${root}/repos/${options.name}.git`;
  const writes = Object.entries(options.files).map(([path, content]) => {
    if (path.startsWith('/') || path.split('/').includes('..')) {
      throw new TestbedError(`file ${path}: a path inside the repository`);
    }
    return `mkdir -p "$(dirname ${q(path)})" && printf %s ${q(Buffer.from(content).toString('base64'))} | base64 -d > ${q(path)}`;
  });
  const script = [
    'set -e',
    `mkdir -p ${root}/repos ${root}/www/cgi-bin`,
    `printf %s ${q(cgi)} > ${root}/www/cgi-bin/git && chmod 755 ${root}/www/cgi-bin/git`,
    'work=$(mktemp -d)',
    'cd "$work"',
    `if [ -d ${bare} ]; then git clone -q --branch ${q(branch)} ${bare} . && git rm -rq --ignore-unmatch . ; else git init -q -b ${q(branch)} . ; fi`,
    ...writes,
    'git add -A',
    `git -c user.name=Flotilla -c user.email=test@flotilla.invalid commit -q --allow-empty -m ${q(`commit ${new Date().toISOString()}`)}`,
    `if [ -d ${bare} ]; then git push -q origin ${q(branch)}; else git clone -q --bare . ${bare}; fi`,
    'git rev-parse HEAD',
    'cd / && rm -rf "$work"',
    // One server per port; it detaches itself and goes with the testbed.
    `if [ ! -e ${root}/httpd-${port} ]; then busybox httpd -p ${server.host}:${port} -h ${root}/www && touch ${root}/httpd-${port}; fi`,
  ].join('\n');
  const result = await testbed.exec(server.name, script, { timeoutMs: 60_000 });
  if (result.code !== 0) {
    throw new TestbedError(`serving git on ${server.name}: ${result.stderr.trim()}`);
  }
  return {
    url: `http://${server.host}:${port}/cgi-bin/git/${options.name}.git`,
    branch,
    commit: result.stdout.trim().split('\n').at(-1) ?? '',
  };
}
