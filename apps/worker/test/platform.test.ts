// The platform page on real servers (issue 17), driven at its paths as a user drives them, on a
// 3-node testbed Swarm: a drained node keeps its task and gets no new one until it is activated,
// an evacuated node's tasks move away, the health check reads back a change made on the servers
// by hand; the running tasks counted for the page are the servers' own; each shipped template
// instantiates and serves. What the API says is checked against `docker` on a manager.
import { databaseImages } from '@flotilla/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answers, get } from '../../../packages/deploy/test/http.ts';
import { type AppsBed, deploymentSettles, latestDeployment, startAppsBed } from './apps-fixture.ts';
import { eventually } from './fixture.ts';

interface RestNode {
  id: string;
  cluster_id: string;
  name: string;
  role: string;
  ip: string | null;
  status: 'ready' | 'not_ready' | 'draining' | 'down';
  availability: 'active' | 'pause' | 'drain';
  availability_pending: boolean;
}

interface RestApp {
  id: string;
  name: string;
  published_port: number | null;
  env: Record<string, string>;
  secret_env_names: string[];
}

let bed: AppsBed;

beforeAll(async () => {
  bed = await startAppsBed();
}, 600_000);

afterAll(async () => {
  await bed?.close();
});

/** The testbed server (its hostname, which Swarm lists) behind a node of the API. */
function hostnameOf(node: RestNode): string {
  const host = bed.testbed.hosts.find((h) => h.host === node.ip);
  if (!host) throw new Error(`no testbed server at ${node.ip}`);
  return host.name;
}

/** The service's running tasks by server: task ids as `docker service ps` lists them. */
async function tasksByNode(service: string): Promise<Map<string, string[]>> {
  const out = await bed.docker(
    `service ps ${service} --filter desired-state=running --format '{{.ID}}|{{.Node}}|{{.CurrentState}}'`,
  );
  const byNode = new Map<string, string[]>();
  for (const line of out.trim().split('\n')) {
    const [id, node, state] = line.split('|');
    if (!id || !node || !state?.startsWith('Running')) continue;
    byNode.set(node, [...(byNode.get(node) ?? []), id].sort());
  }
  return byNode;
}

const total = (byNode: Map<string, string[]>) =>
  [...byNode.values()].reduce((sum, ids) => sum + ids.length, 0);

/** Waits until the service runs `replicas` tasks; resolves to them by server. */
function running(service: string, replicas: number) {
  return eventually(
    `${replicas} running tasks of ${service}`,
    async () => {
      const byNode = await tasksByNode(service);
      return total(byNode) === replicas ? byNode : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
}

async function node(id: string): Promise<RestNode> {
  const reply = await bed.http<RestNode>('GET', `/api/v1/nodes/${id}`);
  expect(reply.status, reply.text).toBe(200);
  return reply.data;
}

/** Waits until the change asked for is on the servers (its job applied and read it back). */
function applied(id: string) {
  return eventually(
    `node ${id}'s availability applied`,
    async () => {
      const seen = await node(id);
      return seen.availability_pending ? undefined : seen;
    },
    { timeoutMs: 120_000, intervalMs: 250 },
  );
}

/** What the managers say of the node: active, pause or drain. */
async function swarmAvailability(id: string): Promise<string> {
  const row = await bed.fx.db.node.findUniqueOrThrow({ where: { id } });
  return (
    await bed.docker(`node inspect --format '{{.Spec.Availability}}' ${row.orchestratorNodeId}`)
  ).trim();
}

async function scale(appId: string, replicas: number) {
  const reply = await bed.http('PATCH', `/api/v1/apps/${appId}`, { replicas });
  expect(reply.status, reply.text).toBe(200);
}

describe('nodes as the page describes them', () => {
  let worker: RestNode;
  let appId: string;
  let service: string;

  it('lists the cluster’s nodes, all ready', async () => {
    const list = await bed.http<RestNode[]>('GET', `/api/v1/nodes?cluster_id=${bed.clusterId}`);
    expect(list.status, list.text).toBe(200);
    expect(list.data.map((n) => [n.role, n.status, n.availability])).toEqual([
      ['manager', 'ready', 'active'],
      ['worker', 'ready', 'active'],
      ['worker', 'ready', 'active'],
    ]);
    worker = list.data[2] as RestNode;
  });

  it('a drained node keeps its task and gets no new one; activated, it takes tasks again', async () => {
    const created = await bed.http<RestApp>('POST', '/api/v1/apps', {
      cluster_id: bed.clusterId,
      name: 'spread',
      source_type: 'image',
      image_url: bed.images.sleeper.name,
      replicas: 3,
    });
    expect(created.status, created.text).toBe(201);
    appId = created.data.id;
    service = (await bed.fx.db.app.findUniqueOrThrow({ where: { id: appId } })).serviceName;
    const first = await deploymentSettles(bed, appId, (await latestDeployment(bed, appId)).id);
    expect(first.status, first.reason ?? '').toBe('active');
    const target = hostnameOf(worker);
    const before = await running(service, 3);
    // Swarm spreads: one task on each server.
    expect(before.get(target)).toHaveLength(1);

    const drained = await bed.http<RestNode>('POST', `/api/v1/nodes/${worker.id}/drain`);
    expect(drained.status, drained.text).toBe(200);
    expect(drained.data).toMatchObject({ status: 'draining', availability: 'pause' });
    expect(await applied(worker.id)).toMatchObject({ status: 'draining', availability: 'pause' });
    expect(await swarmAvailability(worker.id)).toBe('pause');

    await scale(appId, 6);
    const paused = await running(service, 6);
    // The old task still runs there, the same one; the three new ones went to the others.
    expect(paused.get(target)).toEqual(before.get(target));
    console.info(
      `drained: ${[...paused].map(([host, ids]) => `${host} ${ids.length}`).join(', ')}`,
    );

    const activated = await bed.http<RestNode>('POST', `/api/v1/nodes/${worker.id}/activate`);
    expect(activated.status, activated.text).toBe(200);
    expect(await applied(worker.id)).toMatchObject({ status: 'ready', availability: 'active' });
    expect(await swarmAvailability(worker.id)).toBe('active');
    await scale(appId, 9);
    const active = await running(service, 9);
    expect(active.get(target)?.length).toBeGreaterThan(1);
    expect(active.get(target)).toEqual(expect.arrayContaining(before.get(target) ?? []));
  }, 400_000);

  it('evacuating a node moves its tasks to the others', async () => {
    const target = hostnameOf(worker);
    const evacuated = await bed.http<RestNode>('POST', `/api/v1/nodes/${worker.id}/evacuate`);
    expect(evacuated.status, evacuated.text).toBe(200);
    expect(await applied(worker.id)).toMatchObject({ status: 'draining', availability: 'drain' });
    expect(await swarmAvailability(worker.id)).toBe('drain');
    const moved = await running(service, 9);
    expect(moved.get(target)).toBeUndefined();
    await bed.http('POST', `/api/v1/nodes/${worker.id}/activate`);
    expect(await applied(worker.id)).toMatchObject({ status: 'ready' });
  }, 300_000);

  it('reads back a change made on the servers by hand', async () => {
    const row = await bed.fx.db.node.findUniqueOrThrow({ where: { id: worker.id } });
    await bed.docker(`node update --availability pause ${row.orchestratorNodeId}`);
    await eventually(
      'the health check reports the node draining',
      async () => ((await node(worker.id)).status === 'draining' ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    await bed.docker(`node update --availability active ${row.orchestratorNodeId}`);
    await eventually(
      'the health check reports the node ready',
      async () => ((await node(worker.id)).status === 'ready' ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  }, 120_000);
});

describe('platform numbers', () => {
  it('counts the tasks running on the servers, as the managers list them', async () => {
    // Every task the swarm wants running and has running, on every node.
    const onServers = async () => {
      const out = await bed.docker(
        "node ps $(docker node ls -q) --filter desired-state=running --format '{{.ID}} {{.CurrentState}}'",
      );
      return new Set(
        out
          .trim()
          .split('\n')
          .filter((line) => / Running/.test(line))
          .map((line) => line.split(' ')[0]),
      ).size;
    };
    // Counts are kept 15 s: the page agrees with the servers within that.
    const agreed = await eventually(
      'stats agree with the servers',
      async () => {
        const stats = await bed.http<{ running_tasks: number; uncounted_clusters: number }>(
          'GET',
          '/api/v1/stats',
        );
        const servers = await onServers();
        return stats.data.running_tasks === servers && stats.data.uncounted_clusters === 0
          ? { stats: stats.data, servers }
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    expect(agreed.servers).toBeGreaterThanOrEqual(9);
    const cluster = await bed.http<{ running_tasks: number; type: string; node_count: number }>(
      'GET',
      `/api/v1/clusters/${bed.clusterId}`,
    );
    expect(cluster.data).toMatchObject({ type: 'self_managed', node_count: 3 });
    expect(cluster.data.running_tasks).toBeGreaterThanOrEqual(9);
  }, 120_000);
});

describe('templates on the testbed', () => {
  it('the static site serves its page, its text escaped', async () => {
    const reply = await bed.http<{ apps: RestApp[] }>(
      'POST',
      '/api/v1/templates/static-site/instantiate',
      {
        cluster_id: bed.clusterId,
        name: 'site',
        title: 'Fleet & <friends>',
        message: 'Served by busybox',
      },
    );
    expect(reply.status, reply.text).toBe(201);
    const [app] = reply.data.apps;
    if (!app?.published_port) throw new Error(`no published port: ${reply.text}`);
    const settled = await deploymentSettles(bed, app.id, (await latestDeployment(bed, app.id)).id);
    expect(settled.status, settled.reason ?? '').toBe('active');
    const port = app.published_port;
    const page = await eventually(
      'the page answers',
      async () => {
        const seen = await answers(bed.hosts, port);
        const at = seen.findIndex((body) => body.includes('<h1>'));
        return at >= 0 ? (await get(bed.hosts[at] as string, port)).body : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(page).toContain('<title>Fleet &amp; &lt;friends&gt;</title>');
    expect(page).toContain('<p>Served by busybox</p>');
  }, 300_000);

  interface Installed {
    apps: RestApp[];
    databases: { id: string; name: string; engine: string; app_id: string | null }[];
  }

  /** Instantiates a template; waits until its database is ready. */
  async function install(template: string, body: Record<string, unknown>) {
    await databaseImages(bed.testbed);
    const reply = await bed.http<Installed>('POST', `/api/v1/templates/${template}/instantiate`, {
      cluster_id: bed.clusterId,
      ...body,
    });
    expect(reply.status, reply.text).toBe(201);
    const [app] = reply.data.apps;
    const [database] = reply.data.databases;
    if (!app?.published_port || !database) throw new Error(`not installed: ${reply.text}`);
    expect(database.app_id).toBe(app.id);
    await eventually(
      `database ${database.name} ready`,
      async () => {
        const seen = await bed.http<{ status: string; status_reason: string | null }>(
          'GET',
          `/api/v1/managed-databases/${database.id}`,
        );
        if (seen.data.status === 'error') throw new Error(`failed: ${seen.data.status_reason}`);
        return seen.data.status === 'ready' ? true : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 500 },
    );
    return { app, database, port: app.published_port };
  }

  /** The environment the app's task serves at /cgi-bin/env once it has `name`. */
  function appEnvWith(port: number, name: string) {
    return eventually(
      `the app's environment has ${name}`,
      async () => {
        for (const host of bed.hosts) {
          const answer = await get(host, port, '/cgi-bin/env').catch(() => undefined);
          if (answer?.status !== 200) continue;
          const env = Object.fromEntries(
            answer.body
              .split('\n')
              .filter((line) => line.includes('='))
              .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
          );
          if (env[name]) return env;
        }
        return undefined;
      },
      { timeoutMs: 300_000, intervalMs: 1_000 },
    );
  }

  it('the Redis cache: ready, and its app answers with REDIS_URL', async () => {
    const { app, port } = await install('redis-cache', { name: 'cached' });
    const env = await appEnvWith(port, 'REDIS_URL');
    expect(env.REDIS_URL).toMatch(/^redis:\/\/.+@.+:6379/);
    expect(env.CACHE_MAX_MEMORY).toBe('256mb');
    expect(app.env.CACHE_MAX_MEMORY).toBe('256mb');
    // The app itself answers its page on the node that runs it.
    expect(await answers(bed.hosts, port)).toContain('echo');
  }, 600_000);

  it('the app with Postgres: ready, and its app answers with DATABASE_URL, PG* and its key', async () => {
    const { app, port } = await install('app-postgres', { name: 'shop' });
    expect(app.secret_env_names).toContain('SECRET_KEY');
    const env = await appEnvWith(port, 'DATABASE_URL');
    expect(env.DATABASE_URL).toMatch(/^postgres(ql)?:\/\//);
    for (const name of ['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE']) {
      expect(env[name], name).toBeTruthy();
    }
    // Generated at install, sealed in the app, handed to its tasks.
    expect(env.SECRET_KEY).toMatch(/^[0-9a-f]{64}$/);
  }, 600_000);
});
