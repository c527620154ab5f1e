// `flotilla apps …` end to end, as a user runs it: the compiled CLI against the control plane as
// `pnpm start` runs it (API and worker processes), on a 3-node testbed Swarm that pulls from the
// testbed's registry (with credentials, the organization's default). What the CLI says is checked
// against what the servers do: HTTP answers on the published port (host mode: the testbed's
// kernel has no IPVS for Swarm's routing mesh).
import { createTestDatabase, type TestDatabase } from '@flotilla/db/testing';
import { type ControlPlane, call, eventually, startControlPlane } from '@flotilla/harness';
import { createTestbed, generateKeyPair, type Testbed, type TestImages } from '@flotilla/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// HTTP probes of the testbed's servers, shared with @flotilla/deploy's own tests.
import { answers } from '../../../packages/deploy/test/http.ts';
import { type CliRunner, createCliRunner, type Run, until } from './fixture.ts';

let database: TestDatabase;
let testbed: Testbed;
let images: TestImages;
let cp: ControlPlane;
let cli: CliRunner;
let hosts: string[];

const explain = (run: Run) =>
  `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

beforeAll(async () => {
  cli = await createCliRunner();
  database = await createTestDatabase();
  const keys = await generateKeyPair();
  testbed = await createTestbed({ hosts: 3, authorizedKeys: [keys.publicKey], registryAuth: true });
  hosts = testbed.hosts.map((h) => h.host);
  cp = await startControlPlane({
    databaseUrl: database.url,
    env: { NODE_ENV: 'test', APP_PUBLISH_MODE: 'host' },
  });
  const session = await call<{ token: string; organization: { id: string } }>(
    cp.url,
    'auth.register',
    { input: { email: 'ops@example.com', password: 'correct horse battery staple', name: 'Ops' } },
  );
  const organizationId = session.organization.id;
  const token = (
    await call<{ token: string }>(cp.url, 'token.create', {
      token: session.token,
      input: { name: 'cli' },
    })
  ).token;
  const key = await call<{ id: string }>(cp.url, 'sshKey.create', {
    token,
    input: { organizationId, name: 'deploy', privateKey: keys.privateKey },
  });
  const [cluster] = await Promise.all([
    call<{ id: string }>(cp.url, 'cluster.create', {
      token,
      input: {
        organizationId,
        name: 'apps',
        orchestrator: 'swarm',
        provider: 'ssh',
        sshKeyId: key.id,
        nodes: testbed.hosts.map((h, i) => ({
          role: i === 0 ? 'manager' : 'worker',
          host: h.host,
        })),
      },
    }),
    testbed.images().then((pushed) => {
      images = pushed;
    }),
  ]);
  await call(cp.url, 'registry.create', {
    token,
    input: {
      organizationId,
      name: 'testbed',
      server: testbed.registry.address,
      username: testbed.registry.username,
      password: testbed.registry.password,
      makeDefault: true,
    },
  });
  await eventually(
    'the swarm running',
    async () => {
      const one = await call<{ status: string; statusReason: string | null }>(
        cp.url,
        'cluster.one',
        {
          token,
          method: 'GET',
          input: { clusterId: cluster.id },
        },
      );
      if (one.status === 'error') throw new Error(`cluster failed: ${one.statusReason}`);
      return one.status === 'running' ? one : undefined;
    },
    { timeoutMs: 240_000, intervalMs: 500 },
  );
  const login = await cli.run(['login', '--url', cp.url, '--token-stdin'], { input: `${token}\n` });
  expect(login.code, explain(login)).toBe(0);
}, 600_000);

afterAll(async () => {
  await cp?.stop();
  await testbed?.destroy();
  await database?.drop();
  await cli?.close();
});

/** Every node answering on `port` answers `body`, and at least `count` of them do. */
function served(port: number, body: string, count: number) {
  return eventually(
    `${count} node(s) answering ${body} on ${port}`,
    async () => {
      const seen = await answers(hosts, port);
      const right = seen.filter((a) => a === body).length;
      return right >= count && seen.every((a) => a === body || a === 'refused') ? seen : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
}

let port: number;

describe('flotilla apps', () => {
  it('refuses bad flags before sending anything (exit 2), naming them', async () => {
    const cases: [string[], RegExp][] = [
      [['apps', 'create', 'web'], /give --image .* or --git/],
      [['apps', 'create', 'web', '--image', 'a', '--git', 'b'], /give --image .* or --git/],
      [['apps', 'create', 'web', '--image', 'x', '--port', '99999'], /not a port/],
      [
        ['apps', 'create', 'web', '--image', 'x', '--env', 'NOEQUALS'],
        /--env NOEQUALS: expected NAME=value/,
      ],
      [['apps', 'scale', 'web', '-1'], /unknown option '-1'|not a whole number/],
      [['apps', 'logs', 'web', '--since', 'yesterday', '-f'], /--since goes without -f/],
    ];
    for (const [args, message] of cases) {
      const run = await cli.run(args);
      expect(run.code, `${args.join(' ')}\n${explain(run)}`).toBe(2);
      expect(run.stderr).toMatch(message);
    }
    // Refused by the server: the flag is named.
    const bad = await cli.run([
      'apps',
      'create',
      'web',
      '--image',
      'Not An Image',
      '--cluster',
      'apps',
    ]);
    expect(bad.code, explain(bad)).toBe(2);
    expect(bad.stderr).toMatch(/--image: not an image reference/);
    const missing = await cli.run(['apps', 'show', 'nosuch']);
    expect(missing.code, explain(missing)).toBe(4);
    expect(missing.stderr).toMatch(/no app named "nosuch"/);
  });

  it('creates an app and waits for its first deployment, printing each step', async () => {
    const run = await cli.run([
      'apps',
      'create',
      'web',
      '--image',
      images.httpV1.name,
      '--cluster',
      'apps',
      '--port',
      '80',
      '--replicas',
      '2',
      '--env',
      'GREETING=hello=world',
      '--wait',
    ]);
    expect(run.code, explain(run)).toBe(0);
    // The worker's steps, without the app's name on each: what is happening, in order.
    expect(run.stdout).toMatch(/\d\d:\d\d:\d\d {2}app\.plan {2}/);
    expect(run.stdout).toMatch(/app\.apply {2}/);
    expect(run.stdout).toMatch(/app\.converge {2}/);
    expect(run.stdout.indexOf('app.plan')).toBeLessThan(run.stdout.indexOf('app.converge'));
    const done = /App web is running, on port (\d+) of every node\./.exec(run.stdout);
    expect(done, run.stdout).not.toBeNull();
    port = Number(done?.[1]);
    await served(port, 'v1', 2);
  }, 180_000);

  it('lists and shows apps, as tables and as JSON', async () => {
    const ls = await cli.run(['apps', 'ls']);
    expect(ls.code, explain(ls)).toBe(0);
    expect(ls.stdout).toMatch(/^NAME +ID +STATUS +REPLICAS +PORT +SOURCE +DEPLOYED$/m);
    expect(ls.stdout).toMatch(
      new RegExp(
        `^web +app_\\w+ +running +2 +${port}→80 +${images.httpV1.name.replaceAll('.', '\\.')}`,
        'm',
      ),
    );
    const json = await cli.run(['apps', 'ls', '-o', 'json']);
    expect(json.code, explain(json)).toBe(0);
    const listed = JSON.parse(json.stdout);
    expect(listed).toEqual([
      expect.objectContaining({ slug: 'web', status: 'running', env: { GREETING: 'hello=world' } }),
    ]);
    const show = await cli.run(['apps', 'show', 'web']);
    expect(show.code, explain(show)).toBe(0);
    expect(show.stdout).toMatch(/replicas: +2\/2 ready \(asked for 2\)/);
    expect(show.stdout).toMatch(/^web\.\d+\.\w+ +running/m);
    expect(show.stdout).toMatch(/^1 +\w+ +active +create/m);
    const detail = JSON.parse((await cli.run(['apps', 'show', listed[0].id, '-o', 'json'])).stdout);
    expect(detail).toMatchObject({
      slug: 'web',
      live: { readyReplicas: 2 },
      deployments: [{ ordinal: 1, status: 'active' }],
    });
  });

  it('fails a deployment that does not come up (exit 1, Swarm’s reason), the previous one serving', async () => {
    const run = await cli.run([
      'apps',
      'deploy',
      'web',
      '--image',
      images.broken.name,
      '--timeout',
      '60',
      '--wait',
    ]);
    expect(run.code, explain(run)).toBe(1);
    expect(run.stderr).toMatch(/^error: deployment #2 of web failed: .+/m);
    await served(port, 'v1', 2);
  }, 240_000);

  it('deploys a new image, then rolls back to the one before', async () => {
    const v2 = await cli.run([
      'apps',
      'deploy',
      'web',
      '--image',
      images.httpV2.name,
      '--wait',
      '-o',
      'json',
    ]);
    expect(v2.code, explain(v2)).toBe(0);
    // Steps go to stderr with -o json; stdout is the deployment alone.
    expect(JSON.parse(v2.stdout)).toMatchObject({ ordinal: 3, status: 'active' });
    expect(v2.stderr).toMatch(/app\.converge/);
    await served(port, 'v2', 2);

    const back = await cli.run(['apps', 'rollback', 'web', '--wait']);
    expect(back.code, explain(back)).toBe(0);
    expect(back.stdout).toMatch(/Deployment #4 of web is active/);
    await served(port, 'v1', 2);
    // A deployment that never served is no rollback target.
    const never = await cli.run(['apps', 'rollback', 'web', '#2']);
    expect(never.code, explain(never)).toBe(1);
    expect(never.stderr).toMatch(/never served/);
  }, 300_000);

  it('scales and waits until that many tasks run', async () => {
    const run = await cli.run(['apps', 'scale', 'web', '3', '--wait']);
    expect(run.code, explain(run)).toBe(0);
    expect(run.stdout).toContain('web runs 3 replica(s).');
    await served(port, 'v1', 3);
  }, 180_000);

  it('prints the logs, and follows them until Ctrl-C (exit 130)', async () => {
    await answers(hosts, port);
    const logs = await cli.run(['apps', 'logs', 'web', '--tail', '20']);
    expect(logs.code, explain(logs)).toBe(0);
    // busybox httpd -vv logs each request it answers (`… url:/`).
    expect(logs.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} {2}\w+ {2}.*url:\/$/m);
    const jsonLines = (await cli.run(['apps', 'logs', 'web', '--tail', '5', '-o', 'json'])).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(jsonLines[0]).toMatchObject({ stream: expect.any(String), message: expect.any(String) });

    // The last line of each task comes first: once it is there, the stream is open.
    const follow = cli.start(['apps', 'logs', 'web', '-f', '--tail', '1']);
    await until('the stream open', () => follow.output().stdout.includes('\n'), {
      timeoutMs: 30_000,
      seen: () => JSON.stringify(follow.output()),
    });
    await answers(hosts, port, '/followed');
    await until('the followed request', () => follow.output().stdout.includes('/followed'), {
      timeoutMs: 30_000,
      seen: () => JSON.stringify(follow.output()),
    });
    const stopped = await follow.interrupt();
    expect(stopped.code, explain(stopped)).toBe(130);
  }, 120_000);

  it('restarts, then deletes it and waits until nothing is left', async () => {
    const restart = await cli.run(['apps', 'restart', 'web']);
    expect(restart.code, explain(restart)).toBe(0);
    expect(restart.stdout).toMatch(/Restarting web \(restart #1\)/);
    const refused = await cli.run(['apps', 'rm', 'web']);
    expect(refused.code, explain(refused)).toBe(2);
    expect(refused.stderr).toMatch(/pass --yes/);
    const rm = await cli.run(['apps', 'rm', 'web', '--yes', '--wait']);
    expect(rm.code, explain(rm)).toBe(0);
    expect(rm.stdout).toContain('App web is deleted.');
    expect(await answers(hosts, port)).toEqual(['refused', 'refused', 'refused']);
    const gone = await cli.run(['apps', 'show', 'web']);
    expect(gone.code, explain(gone)).toBe(4);
  }, 180_000);
});
