// `flotilla` end to end, as a user runs it: the compiled CLI as a child process against the real
// control plane (API and worker processes on a database of their own) and testbed servers.
// The worker's retry budget is small (2 attempts of 3 s of SSH waiting) so that a server that
// never answers fails its cluster within seconds, through the same settings production uses.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@flotilla/db/testing';
import { type ControlPlane, call, freePort, startControlPlane } from '@flotilla/harness';
import { createTestbed, generateKeyPair, k3sStandinPath, type Testbed } from '@flotilla/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRunner, createCliRunner, type Run, until } from './fixture.ts';

let database: TestDatabase;
let testbed: Testbed;
let cp: ControlPlane;
let cli: CliRunner;
let apiToken: string;
let privateKeyFile: string;

const explain = (run: Run) =>
  `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

beforeAll(async () => {
  cli = await createCliRunner();
  database = await createTestDatabase();
  const keys = await generateKeyPair();
  testbed = await createTestbed({ hosts: 4, authorizedKeys: [keys.publicKey] });
  cp = await startControlPlane({
    databaseUrl: database.url,
    env: {
      NODE_ENV: 'test',
      JOB_ATTEMPTS: '2',
      JOB_BACKOFF_MS: '500',
      SSH_WAIT_TIMEOUT_MS: '3000',
      SSH_COMMAND_TIMEOUT_MS: '60000',
      // Kubernetes from the k3s stand-in, uploaded to the servers (no real k3s runs here).
      K3S_ARTIFACT: k3sStandinPath,
    },
  });
  const session = await call<{ token: string }>(cp.url, 'auth.register', {
    input: { email: 'ops@example.com', password: 'correct horse battery staple', name: 'Ops' },
  });
  // What a user makes in the dashboard for the CLI: an API token, not their session.
  apiToken = (
    await call<{ token: string }>(cp.url, 'token.create', {
      token: session.token,
      input: { name: 'cli' },
    })
  ).token;
  privateKeyFile = join(dirname(cli.home), 'deploy_key');
  await writeFile(privateKeyFile, keys.privateKey, { mode: 0o600 });
}, 240_000);

afterAll(async () => {
  await cp?.stop();
  await testbed?.destroy();
  await database?.drop();
  await cli?.close();
});

describe('flotilla', () => {
  it('refuses a token the server does not accept, and stores nothing', async () => {
    const run = await cli.run(['login', '--url', cp.url, '--token-stdin'], {
      input: 'fls_not-a-real-token\n',
    });
    expect(run.code, explain(run)).toBe(3);
    expect(run.stderr).toMatch(/refused the token/);
    await expect(stat(cli.configFile)).rejects.toThrow(/ENOENT/);
    const whoami = await cli.run(['whoami']);
    expect(whoami.code, explain(whoami)).toBe(3);
    expect(whoami.stderr).toMatch(/not logged in/);
  });

  it('logs in with a token it checked first, into a file only its owner can read', async () => {
    const run = await cli.run(['login', '--url', cp.url, '--token-stdin'], {
      input: `${apiToken}\n`,
    });
    expect(run.code, explain(run)).toBe(0);
    expect(run.stdout).toContain('as Ops <ops@example.com>');
    const file = await stat(cli.configFile);
    expect((file.mode & 0o777).toString(8)).toBe('600');
    const whoami = await cli.run(['whoami', '-o', 'json']);
    expect(whoami.code, explain(whoami)).toBe(0);
    const me = JSON.parse(whoami.stdout);
    expect(me).toMatchObject({ url: cp.url, user: { email: 'ops@example.com' } });
    expect(me.organization.id).toMatch(/^org_/);
  });

  it('answers bad flags with a usage error (exit 2) that names them', async () => {
    const cases: [string[], RegExp][] = [
      [['clusters', 'ls', '--bogus'], /unknown option '--bogus'/],
      [['clusters', 'ls', '-o', 'yaml'], /'yaml' is invalid/],
      [['clusters', 'show'], /missing required argument 'cluster'/],
      [['clusters', 'create', 'lab', '--orchestrator', 'swarm'], /no nodes/],
      [
        ['clusters', 'create', 'lab', '--orchestrator', 'nomad', '--server', 'root@h'],
        /'nomad' is invalid/,
      ],
      [
        ['clusters', 'create', 'lab', '--orchestrator', 'swarm', '--manager', 'huge:3'],
        /no plan "huge"/,
      ],
      [['nodes', 'add', 'lab', '--plan', 'small', '--server', 'root@h'], /--plan .* or --server/],
    ];
    for (const [args, message] of cases) {
      const run = await cli.run(args);
      expect(run.code, `${args.join(' ')}\n${explain(run)}`).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe('');
    }
  });

  it('exits 4 for an SSH key that does not exist, before creating anything', async () => {
    const [host] = testbed.hosts;
    const run = await cli.run([
      'clusters',
      'create',
      'Not_A_Name',
      '--orchestrator',
      'swarm',
      '--ssh-key',
      'missing',
      '--server',
      `root@${host?.host}`,
    ]);
    // The key is looked up first: a name that does not exist is a 404, before any creation.
    expect(run.code, explain(run)).toBe(4);
    expect(run.stderr).toMatch(/no SSH key "missing"/);
  });

  it('stores an SSH key and lists it', async () => {
    const add = await cli.run(['ssh-keys', 'add', 'deploy', '--private-key-file', privateKeyFile]);
    expect(add.code, explain(add)).toBe(0);
    const ls = await cli.run(['ssh-keys', 'ls', '-o', 'json']);
    expect(ls.code, explain(ls)).toBe(0);
    expect(JSON.parse(ls.stdout).map((k: { name: string }) => k.name)).toEqual(['deploy']);
    expect(ls.stdout).not.toContain('PRIVATE KEY');
  });

  it('rejects a cluster name the server does not accept, naming the argument', async () => {
    const [host] = testbed.hosts;
    const run = await cli.run([
      'clusters',
      'create',
      'Not_A_Name',
      '--orchestrator',
      'swarm',
      '--ssh-key',
      'deploy',
      '--server',
      `root@${host?.host}`,
    ]);
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr).toMatch(/<name>: lower-case letters/);
    const ls = await cli.run(['clusters', 'ls', '-o', 'json']);
    expect(JSON.parse(ls.stdout)).toEqual([]);
  });

  it("creates a swarm of testbed servers with --wait, printing each node's steps, exit 0", async () => {
    const [a, b] = testbed.hosts;
    const run = await cli.run([
      'clusters',
      'create',
      'lab',
      '--orchestrator',
      'swarm',
      '--ssh-key',
      'deploy',
      '--server',
      `root@${a?.host}:${a?.port}`,
      '--worker',
      `root@${b?.host}`,
      '--wait',
    ]);
    expect(run.code, explain(run)).toBe(0);
    const lines = run.stdout.split('\n');
    // "hh:mm:ss  <node>  <step>  <message>": every node's own steps, as they happened.
    const steps = (node: string) =>
      lines
        .map((line) => new RegExp(`^\\d\\d:\\d\\d:\\d\\d  ${node}\\s+(\\S+)`).exec(line)?.[1])
        .filter(Boolean);
    expect(steps('lab-1')).toEqual(
      expect.arrayContaining(['ssh.wait', 'ssh.hostkey', 'docker.ensure', 'swarm.init']),
    );
    expect(steps('lab-2')).toEqual(
      expect.arrayContaining(['ssh.wait', 'docker.ensure', 'swarm.join', 'node.ready']),
    );
    expect(run.stdout).toMatch(/lab-2\s+→ running/);
    expect(run.stdout).toMatch(/cluster → running/);
    expect(run.stdout).toContain('Cluster lab is running.');
  }, 240_000);

  it('prints JSON that parses with --output json', async () => {
    const ls = await cli.run(['clusters', 'ls', '-o', 'json']);
    expect(ls.code, explain(ls)).toBe(0);
    const clusters = JSON.parse(ls.stdout);
    expect(clusters).toEqual([
      expect.objectContaining({ name: 'lab', status: 'running', provider: 'ssh', nodeCount: 2 }),
    ]);
    const show = await cli.run(['--output', 'json', 'clusters', 'show', 'lab']);
    expect(show.code, explain(show)).toBe(0);
    const cluster = JSON.parse(show.stdout);
    expect(cluster.nodes.map((n: { name: string; status: string }) => [n.name, n.status])).toEqual([
      ['lab-1', 'running'],
      ['lab-2', 'running'],
    ]);
    const nodes = await cli.run(['nodes', 'ls', cluster.id, '-o', 'json']);
    expect(JSON.parse(nodes.stdout)).toHaveLength(2);
    const logs = await cli.run(['clusters', 'logs', 'lab', '--node', 'lab-2', '-o', 'json']);
    expect(logs.code, explain(logs)).toBe(0);
    const entries = logs.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(entries.length).toBeGreaterThan(3);
    expect(entries.every((e: { node: string }) => e.node === 'lab-2')).toBe(true);
    // The table form is for people: a header and a row.
    const table = await cli.run(['clusters', 'ls']);
    expect(table.stdout).toMatch(/^NAME\s+ID\s+STATUS/);
    expect(table.stdout).toMatch(/\nlab\s+cls_\S+\s+running\s+ssh/);
  });

  it('creates a Kubernetes cluster with --wait -o json and hands out its kubeconfig (0600)', async () => {
    const [, , , d] = testbed.hosts;
    const run = await cli.run([
      'clusters',
      'create',
      'kube',
      '--orchestrator',
      'kubernetes',
      '--ssh-key',
      'deploy',
      '--server',
      `root@${d?.host}`,
      '--wait',
      '-o',
      'json',
    ]);
    expect(run.code, explain(run)).toBe(0);
    // The result on stdout parses; the steps went to stderr.
    expect(JSON.parse(run.stdout)).toMatchObject({ name: 'kube', status: 'running' });
    expect(run.stderr).toMatch(/kube-1\s+k3s\.install/);
    const file = join(dirname(cli.home), 'kube.yaml');
    const written = await cli.run(['clusters', 'kubeconfig', 'kube', '--file', file]);
    expect(written.code, explain(written)).toBe(0);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toContain(`server: https://${d?.host}:6443`);
    const printed = await cli.run(['clusters', 'kubeconfig', 'kube']);
    expect(printed.stdout).toContain('apiVersion: v1');
    const swarm = await cli.run(['clusters', 'kubeconfig', 'lab']);
    expect(swarm.code, explain(swarm)).toBe(2);
    expect(swarm.stderr).toMatch(/Only Kubernetes clusters have a kubeconfig/);
  }, 180_000);

  it('exits 4 for a cluster or node that does not exist', async () => {
    const cluster = await cli.run(['clusters', 'show', 'nope']);
    expect(cluster.code, explain(cluster)).toBe(4);
    expect(cluster.stderr).toMatch(/no cluster named "nope"/);
    const byId = await cli.run(['clusters', 'show', 'cls_doesnotexist']);
    expect(byId.code, explain(byId)).toBe(4);
    const node = await cli.run(['nodes', 'rm', 'lab', 'lab-9', '--yes']);
    expect(node.code, explain(node)).toBe(4);
    expect(node.stderr).toMatch(/has no node "lab-9" \(it has lab-1, lab-2\)/);
  });

  it('drains a node and activates it again, as the managers then report it', async () => {
    const [a, b] = testbed.hosts;
    // What the swarm's managers say of lab-2 (the second server), read on the first.
    const availability = async () => {
      const out = await testbed.exec(
        a?.name as string,
        "docker node ls --format '{{.Hostname}} {{.Availability}}'",
      );
      return out.stdout.split('\n').find((line) => line.startsWith(`${b?.name} `));
    };
    const drained = await cli.run(['nodes', 'drain', 'lab', 'lab-2', '--wait', '-o', 'json']);
    expect(drained.code, explain(drained)).toBe(0);
    expect(JSON.parse(drained.stdout)).toMatchObject({
      name: 'lab-2',
      state: 'draining',
      availability: 'pause',
      availabilityPending: false,
    });
    expect(await availability()).toMatch(/ Pause$/);
    const activated = await cli.run(['nodes', 'activate', 'lab', 'lab-2', '--wait']);
    expect(activated.code, explain(activated)).toBe(0);
    expect(activated.stdout).toMatch(/state:\s+ready/);
    expect(activated.stdout).toMatch(/availability:\s+active\n/);
    expect(await availability()).toMatch(/ Active$/);
  }, 120_000);

  it('refuses to delete without --yes when there is no terminal to ask on', async () => {
    const run = await cli.run(['clusters', 'rm', 'lab']);
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr).toMatch(/pass --yes/);
    const show = await cli.run(['clusters', 'show', 'lab', '-o', 'json']);
    expect(JSON.parse(show.stdout).status).toBe('running');
  });

  it('follows a node removal live with logs -f, and stops on Ctrl-C (exit 130)', async () => {
    const follow = cli.start(['clusters', 'logs', 'lab', '-f']);
    const seen = () => JSON.stringify(follow.output(), null, 1);
    // The stored history comes first.
    await until('the stored lines', () => follow.output().stdout.includes('swarm.init'), { seen });
    const removal = await cli.run(['nodes', 'rm', 'lab', 'lab-2', '--yes', '--wait']);
    expect(removal.code, explain(removal)).toBe(0);
    expect(removal.stdout).toContain('Node lab-2 is removed.');
    await until(
      'the removal, live',
      () => /node lab-2 removed from the cluster/.test(follow.output().stdout),
      {
        timeoutMs: 30_000,
        seen,
      },
    );
    const stopped = await follow.interrupt();
    expect(stopped.code, explain(stopped)).toBe(130);
    expect(stopped.stdout).toMatch(/lab-2\s+→ deleting/);
    expect(stopped.stdout).toMatch(/lab-2\s+node\.drain/);
  }, 180_000);

  it('shows a live block of the joining node on a terminal (nodes add --wait)', async () => {
    const [, b] = testbed.hosts;
    const run = await cli.runOnTerminal([
      'nodes',
      'add',
      'lab',
      '--role',
      'worker',
      '--server',
      `root@${b?.host}`,
      '--wait',
    ]);
    expect(run.code, explain(run)).toBe(0);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes under test
    const plain = run.stdout.replace(/\u001b\[[0-9;]*m/g, '');
    // The block (one line: the new node) is erased and drawn again under each new step.
    expect(plain).toContain('\u001b[1A\r\u001b[J');
    expect(plain).toMatch(/lab-2\s+swarm\.join/);
    expect(plain).toMatch(/✔ lab-2\s+worker\s+10\.201\.\d+\.\d+\s+\d+s\s+running/);
    expect(plain).toContain('Node lab-2 is running.');
  }, 180_000);

  it('exits 1 with the reason when a server never answers', async () => {
    const [, , c] = testbed.hosts;
    if (!c) throw new Error('testbed has too few hosts');
    await testbed.stop(c.name);
    const started = Date.now();
    const run = await cli.run([
      'clusters',
      'create',
      'dark',
      '--orchestrator',
      'swarm',
      '--ssh-key',
      'deploy',
      '--server',
      `root@${c.host}`,
      '--wait',
      '-o',
      'json',
    ]);
    expect(run.code, explain(run)).toBe(1);
    expect(run.stderr).toMatch(
      /error: cluster dark is error: the control plane could not be formed on dark-1: .*(SSH|answer|timed out)/i,
    );
    // The steps went to stderr; stdout, which would carry the JSON result, has nothing.
    expect(run.stderr).toMatch(/dark-1\s+ssh\.wait/);
    expect(run.stdout).toBe('');
    console.log(`[cli] unreachable server: exit ${run.code} after ${Date.now() - started} ms`);
  }, 180_000);

  it('deletes a cluster with --wait and returns once it is gone', async () => {
    const run = await cli.run(['clusters', 'rm', 'lab', '--yes', '--wait']);
    expect(run.code, explain(run)).toBe(0);
    expect(run.stdout).toContain('Cluster lab is deleted.');
    const show = await cli.run(['clusters', 'show', 'lab']);
    expect(show.code, explain(show)).toBe(4);
  }, 180_000);

  it('logs out: the token is gone from the file and commands need a login again', async () => {
    const run = await cli.run(['logout']);
    expect(run.code, explain(run)).toBe(0);
    const whoami = await cli.run(['whoami']);
    expect(whoami.code, explain(whoami)).toBe(3);
    // FLOTILLA_URL and FLOTILLA_TOKEN work without any file.
    const fromEnv = await cli.run(['whoami', '-o', 'json'], {
      env: { FLOTILLA_URL: cp.url, FLOTILLA_TOKEN: apiToken },
    });
    expect(fromEnv.code, explain(fromEnv)).toBe(0);
    expect(JSON.parse(fromEnv.stdout).user.email).toBe('ops@example.com');
    // Nothing listens there: exit 5, which a script may retry.
    const closed = `http://127.0.0.1:${await freePort()}`;
    const away = await cli.run(['clusters', 'ls'], {
      env: { FLOTILLA_URL: closed, FLOTILLA_TOKEN: apiToken },
    });
    expect(away.code, explain(away)).toBe(5);
    expect(away.stderr).toContain(`cannot reach the Flotilla API at ${closed} (`);
    expect(away.stderr).toMatch(/ECONNREFUSED/);
  });
});
