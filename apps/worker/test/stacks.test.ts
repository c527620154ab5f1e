// Stacks on a real 3-node Swarm (testbed), driven over HTTP as a user drives them: a compose file
// with web + cache analyzed and imported, deployed with `docker stack deploy`, judged on the
// servers, changed (a service added, one removed, an image changed), compared, restored, and
// removed — each step checked on the servers themselves (`docker stack services` on a manager,
// HTTP to the published port), never only in Flotilla's rows.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiServer } from '@flotilla/api';
import { createSql, type Sql } from '@flotilla/db';
import { createLogger } from '@flotilla/log';
import {
  createEventHub,
  createRouterServices,
  type EventHub,
  routerSettingsFromConfig,
} from '@flotilla/router';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppsBed, startAppsBed } from './apps-fixture.ts';
import { eventually } from './fixture.ts';

let bed: AppsBed;
let registry: string;
/** An API with live events (the apps bed's has none), on the same database. */
let live: { url: string; server: Server; hub: EventHub; sql: Sql; redis: Redis };

interface Finding {
  path: string;
  service?: string;
  key: string;
  swarm: string;
  reason: string;
}
interface Analysis {
  findings: Finding[];
  services: { name: string; findings: Finding[] }[];
  counts: { swarm: Record<string, number> };
  deployable: { swarm: boolean };
}
interface Outcome {
  name: string;
  outcome: string;
  image?: string;
  running?: number;
  reason?: string;
}
interface Run {
  id: string;
  restored: boolean;
  ordinal: number;
  version: number;
  status: string;
  reason: string | null;
  services: Outcome[];
  trigger: string;
}
interface Stack {
  id: string;
  name: string;
  stackName: string;
  services: { name: string; image: string }[];
  currentVersion: number | null;
  lastRun: Run | null;
  variableNames: string[];
  analysis?: Analysis;
}

const webCache = `
services:
  web:
    image: \${REGISTRY}/flotilla/http:v1
    ports:
      - target: 80
        published: 18080
        mode: host
  cache:
    image: \${REGISTRY}/flotilla/sleeper:1
`;

const webWorker = `
services:
  web:
    image: \${REGISTRY}/flotilla/http:v2
    ports:
      - target: 80
        published: 18080
        mode: host
  worker:
    image: \${REGISTRY}/flotilla/sleeper:1
    command: ["sleep", "3600"]
    deploy:
      mode: global
`;

const allFindings = (analysis: Analysis) => [
  ...analysis.findings,
  ...analysis.services.flatMap((s) => s.findings),
];

/** `docker stack services` on a manager: "service replicas" lines, sorted. */
async function stackServices(stackName: string): Promise<string[]> {
  const out = await bed.docker(`stack services ${stackName} --format '{{.Name}} {{.Replicas}}'`);
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.trim())
    .sort();
}

/** What the web service answers on its host-mode port (the node that runs its task answers). */
async function webAnswers(): Promise<string> {
  return eventually(
    'the web service answers on :18080',
    async () => {
      for (const host of bed.hosts) {
        try {
          const res = await fetch(`http://${host}:18080/`, { signal: AbortSignal.timeout(2_000) });
          if (res.ok) return (await res.text()).trim();
        } catch {
          // not this node
        }
      }
      return undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}

function runSettles(stackId: string, runId: string, timeoutMs = 240_000): Promise<Run> {
  return eventually(
    `run ${runId} settled`,
    async () => {
      const reply = await bed.http<Run>('GET', `/api/stack.run?stackId=${stackId}&runId=${runId}`);
      return reply.data && !['queued', 'deploying'].includes(reply.data.status)
        ? reply.data
        : undefined;
    },
    { timeoutMs, intervalMs: 500 },
  );
}

/** The stack's SSE stream, collected until `until` says the events seen are enough. */
async function collectEvents(
  stackId: string,
  until: (events: { event: string; data: Record<string, unknown> }[]) => boolean,
  timeoutMs = 240_000,
) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: { event: string; data: Record<string, unknown> }[] = [];
  const res = await fetch(`${live.url}/api/stack.events?stackId=${stackId}`, {
    headers: { authorization: `Bearer ${bed.token}`, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const ready = { resolve: () => {} };
  const connected = new Promise<void>((resolve) => {
    ready.resolve = resolve;
  });
  const done = (async () => {
    try {
      for (;;) {
        const { value, done: finished } = await reader.read();
        if (finished) break;
        buffer += decoder.decode(value, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          if (block.startsWith(': connected')) ready.resolve();
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
        if (until(events)) break;
      }
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
    return events;
  })();
  await connected;
  return { done };
}

beforeAll(async () => {
  bed = await startAppsBed();
  registry = bed.testbed.registry.address;
  const sql = createSql(bed.fx.config.DATABASE_URL);
  const hub = createEventHub(sql);
  await hub.start();
  const log = createLogger({ name: 'api-events', level: 'silent' });
  const redis = new Redis(bed.fx.config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const server = createApiServer({
    config: bed.fx.config,
    log,
    db: bed.fx.db,
    sql,
    redis,
    services: createRouterServices({
      db: bed.fx.db,
      sql,
      sealer: bed.fx.sealer,
      log,
      events: hub,
      ...routerSettingsFromConfig(bed.fx.config),
    }),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  live = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    hub,
    sql,
    redis,
  };
}, 420_000);

afterAll(async () => {
  if (live) {
    live.server.closeAllConnections();
    live.server.close();
    await live.hub.stop();
    await live.sql.end();
    live.redis.disconnect();
  }
  await bed?.close();
});

describe('a stack imported from docker-compose on a Swarm', () => {
  let stack: Stack;
  let firstRun: Run;

  it('analyzes web + cache with no blocker', async () => {
    const reply = await bed.http<Analysis>('POST', '/api/stack.analyze', {
      compose: webCache,
      variables: { REGISTRY: registry },
    });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.data.deployable.swarm).toBe(true);
    expect(reply.data.counts.swarm.blocker).toBe(0);
    expect(reply.data.services.map((s) => s.name).sort()).toEqual(['cache', 'web']);
  });

  it('imports and deploys it: both services run on the servers and the web answers', async () => {
    const reply = await bed.http<Stack>('POST', '/api/stack.import', {
      clusterId: bed.clusterId,
      name: 'Shop',
      compose: webCache,
      variables: { REGISTRY: registry },
      deploy: true,
    });
    expect(reply.status, reply.text).toBe(201);
    stack = reply.data;
    expect(stack.stackName).toBe('shop');
    expect(stack.variableNames).toEqual(['REGISTRY']);
    expect(stack.lastRun?.status).toMatch(/queued|deploying/);
    // The live stream reports the run's end with each service's outcome.
    const stream = await collectEvents(stack.id, (events) =>
      events.some((e) => e.event === 'stackRun' && e.data.status !== 'deploying'),
    );
    firstRun = await runSettles(stack.id, stack.lastRun!.id);
    expect(firstRun.status, firstRun.reason ?? '').toBe('succeeded');
    expect(firstRun.services.map((s) => `${s.name} ${s.outcome}`).sort()).toEqual([
      'cache succeeded',
      'web succeeded',
    ]);
    // Pinned by digest, as the orchestrator resolved the tags.
    for (const service of firstRun.services) expect(service.image).toMatch(/@sha256:[a-f0-9]{64}$/);
    const events = await stream.done;
    expect(events.some((e) => e.event === 'stackLog')).toBe(true);
    expect(
      events.find((e) => e.event === 'stackRun' && e.data.status === 'succeeded'),
    ).toBeTruthy();

    expect(await stackServices('shop')).toEqual(['shop_cache 1/1', 'shop_web 1/1']);
    expect(await webAnswers()).toBe('v1');
    const one = await bed.http<Stack>('GET', `/api/stack.one?stackId=${stack.id}`);
    expect(one.data.currentVersion).toBe(1);
  });

  it('deploys a changed definition: the servers run exactly the new set', async () => {
    const saved = await bed.http<Stack>('POST', '/api/stack.save', {
      stackId: stack.id,
      compose: webWorker,
    });
    expect(saved.status, saved.text).toBe(200);
    // The variables were kept: the editor never needs their values.
    expect(saved.data.services.map((s) => s.image).sort()).toEqual([
      `${registry}/flotilla/http:v2`,
      `${registry}/flotilla/sleeper:1`,
    ]);
    const deployed = await bed.http<Run>('POST', '/api/stack.deploy', { stackId: stack.id });
    expect(deployed.status, deployed.text).toBe(201);
    expect(deployed.data.version).toBe(2);
    const run = await runSettles(stack.id, deployed.data.id);
    expect(run.status, run.reason ?? '').toBe('succeeded');
    expect(run.services.map((s) => `${s.name} ${s.outcome}`).sort()).toEqual([
      'cache removed',
      'web succeeded',
      'worker succeeded',
    ]);
    // The worker is global: one task on each of the three nodes.
    expect(run.services.find((s) => s.name === 'worker')).toMatchObject({ running: 3 });
    expect(await stackServices('shop')).toEqual(['shop_web 1/1', 'shop_worker 3/3']);
    expect(await webAnswers()).toBe('v2');
  });

  it('compares the versions service by service', async () => {
    const reply = await bed.http<{
      diff: { services: { name: string; change: string; fields: { field: string }[] }[] };
    }>('GET', `/api/stack.compare?stackId=${stack.id}&from=1&to=2`);
    expect(reply.status, reply.text).toBe(200);
    const changes = reply.data.diff.services.map((s) => `${s.name} ${s.change}`).sort();
    expect(changes).toEqual(['cache removed', 'web changed', 'worker added']);
    const web = reply.data.diff.services.find((s) => s.name === 'web');
    expect(web?.fields.map((f) => f.field)).toContain('image');
  });

  it('restores version 1: its set runs again, with the images it ran', async () => {
    const restored = await bed.http<Run>('POST', '/api/stack.restore', {
      stackId: stack.id,
      version: 1,
    });
    expect(restored.status, restored.text).toBe(201);
    expect(restored.data).toMatchObject({ version: 1, trigger: 'restore' });
    const run = await runSettles(stack.id, restored.data.id);
    expect(run.status, run.reason ?? '').toBe('succeeded');
    expect(await stackServices('shop')).toEqual(['shop_cache 1/1', 'shop_web 1/1']);
    expect(await webAnswers()).toBe('v1');
    const images = Object.fromEntries(run.services.map((s) => [s.name, s.image]));
    const before = Object.fromEntries(firstRun.services.map((s) => [s.name, s.image]));
    expect(images.web).toBe(before.web);
    expect(images.cache).toBe(before.cache);
    const versions = await bed.http<{ version: number; current: boolean }[]>(
      'GET',
      `/api/stack.versions?stackId=${stack.id}`,
    );
    expect(versions.data.map((v) => `${v.version}${v.current ? '*' : ''}`)).toEqual(['2', '1*']);
  });

  it('a version that does not come up fails, and the version before serves again', async () => {
    const saved = await bed.http<Stack>('POST', '/api/stack.save', {
      stackId: stack.id,
      compose: webCache.replace('http:v1', 'http:broken'),
    });
    expect(saved.status, saved.text).toBe(200);
    const deployed = await bed.http<Run>('POST', '/api/stack.deploy', { stackId: stack.id });
    expect(deployed.status, deployed.text).toBe(201);
    expect(deployed.data.version).toBe(3);
    const run = await runSettles(stack.id, deployed.data.id);
    expect(run.status).toBe('failed');
    expect(run.reason).toMatch(/web: /);
    expect(run).toMatchObject({ restored: true });
    expect(run.services.find((s) => s.name === 'web')?.outcome).toBe('failed');
    expect(await stackServices('shop')).toEqual(['shop_cache 1/1', 'shop_web 1/1']);
    expect(await webAnswers()).toBe('v1');
    const image = await bed.docker(
      `service inspect shop_web --format '{{.Spec.TaskTemplate.ContainerSpec.Image}}'`,
    );
    expect(image.trim()).toBe(firstRun.services.find((s) => s.name === 'web')?.image);
    const one = await bed.http<Stack>('GET', `/api/stack.one?stackId=${stack.id}`);
    expect(one.data.currentVersion).toBe(1);
  });

  it('answers 404 naming a version that does not exist', async () => {
    for (const path of [
      `/api/stack.version?stackId=${stack.id}&version=9`,
      `/api/stack.compare?stackId=${stack.id}&from=1&to=9`,
    ]) {
      const reply = await bed.http<{ error: { message: string } }>('GET', path);
      expect(reply.status).toBe(404);
      expect(reply.text).toMatch(/no version 9 \(its versions are 1–3\)/);
    }
    const restore = await bed.http('POST', '/api/stack.restore', { stackId: stack.id, version: 7 });
    expect(restore.status).toBe(404);
  });

  it('removes the stack: nothing of it is left on the swarm', async () => {
    const reply = await bed.http('DELETE', '/api/stack.remove', { stackId: stack.id });
    expect(reply.status, reply.text).toBe(204);
    await eventually(
      'the stack row is gone',
      async () => (await bed.fx.db.stack.count({ where: { id: stack.id } })) === 0 || undefined,
      { timeoutMs: 180_000, intervalMs: 500 },
    );
    const services = await bed.docker(
      `service ls --filter label=com.docker.stack.namespace=shop --format '{{.Name}}'`,
    );
    expect(services.trim()).toBe('');
    const networks = await bed.docker(
      `network ls --filter label=com.docker.stack.namespace=shop --format '{{.Name}}'`,
    );
    expect(networks.trim()).toBe('');
  });
});

describe('what does not carry over', () => {
  const wordpress = `
services:
  site:
    image: \${REGISTRY}/flotilla/http:v1
    privileged: true
    volumes:
      - ./html:/www
      - data:/data
volumes:
  data:
`;

  it('analyze names the bind mount and privileged', async () => {
    const reply = await bed.http<Analysis>('POST', '/api/stack.analyze', {
      compose: wordpress,
      variables: { REGISTRY: registry },
    });
    expect(reply.status, reply.text).toBe(200);
    const dropped = allFindings(reply.data).filter((f) => f.swarm === 'dropped');
    expect(dropped.map((f) => f.path).sort()).toEqual([
      'services.site.privileged',
      'services.site.volumes.0',
    ]);
    for (const finding of dropped) expect(finding.reason.length).toBeGreaterThan(10);
  });

  it('import refuses them without consent, and creates nothing', async () => {
    const before = await bed.fx.db.stack.count();
    const reply = await bed.http<{ error: { issues: { path: string }[] } }>(
      'POST',
      '/api/stack.import',
      {
        clusterId: bed.clusterId,
        name: 'Site',
        compose: wordpress,
        variables: { REGISTRY: registry },
      },
    );
    expect(reply.status).toBe(400);
    expect(reply.data.error.issues.map((i) => i.path).sort()).toEqual([
      'compose.services.site.privileged',
      'compose.services.site.volumes.0',
    ]);
    expect(await bed.fx.db.stack.count()).toBe(before);
  });

  it('import with drop leaves them out, as the analysis said', async () => {
    const reply = await bed.http<Stack>('POST', '/api/stack.import', {
      clusterId: bed.clusterId,
      name: 'Site',
      compose: wordpress,
      variables: { REGISTRY: registry },
      drop: true,
    });
    expect(reply.status, reply.text).toBe(201);
    const deployed = await bed.http<Run>('POST', '/api/stack.deploy', { stackId: reply.data.id });
    expect(deployed.status, deployed.text).toBe(201);
    const version = await bed.http<{ rendered: string }>(
      'GET',
      `/api/stack.version?stackId=${reply.data.id}&version=1`,
    );
    expect(version.status, version.text).toBe(200);
    expect(version.data.rendered).not.toMatch(/privileged|\.\/html|type: bind/);
    expect(version.data.rendered).toMatch(/target: \/data/);
    const run = await runSettles(reply.data.id, deployed.data.id);
    expect(run.status, run.reason ?? '').toBe('succeeded');
    const inspect = await bed.docker(
      `service inspect site_site --format '{{json .Spec.TaskTemplate.ContainerSpec.Mounts}}'`,
    );
    const mounts = JSON.parse(inspect) as { Type: string; Target: string }[];
    expect(mounts.map((m) => `${m.Type} ${m.Target}`)).toEqual(['volume /data']);
  });
});

describe('bad compose input', () => {
  const cases: [string, string, RegExp][] = [
    ['not YAML', 'services: [web\n  image: x', /compose/],
    ['not an object', '- just\n- a list\n', /mapping|object/i],
    [
      'an unknown top-level key',
      'services:\n  web:\n    image: a/b:1\nfrobnicate: true\n',
      /frobnicate/,
    ],
  ];
  for (const [what, compose, message] of cases) {
    it(`${what}: 400 naming compose, nothing created`, async () => {
      const before = await bed.fx.db.stack.count();
      for (const path of ['/api/stack.analyze', '/api/stack.import']) {
        const reply = await bed.http<{ error: { issues: { path: string; message: string }[] } }>(
          'POST',
          path,
          { clusterId: bed.clusterId, name: `bad-${what.replace(/\W/g, '')}`, compose },
        );
        expect(reply.status, reply.text).toBe(400);
        expect(reply.data.error.issues.some((i) => i.path.startsWith('compose'))).toBe(true);
        expect(reply.text).toMatch(message);
      }
      expect(await bed.fx.db.stack.count()).toBe(before);
    });
  }
});
