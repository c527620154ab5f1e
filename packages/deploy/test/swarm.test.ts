// Apps on a real 3-node Swarm on the testbed, images from the testbed's registry (with basic
// auth, so every pull needs the credentials the deploy hands to the nodes). This kernel has no
// IPVS, so the routing mesh cannot answer here: apps publish their port in host mode, and each
// node running a task answers on its own address.
import { connectDocker, type DockerEngine } from '@flotilla/docker';
import { connect, type SshSession } from '@flotilla/ssh';
import { createTestbed, generateKeyPair, type Testbed, type TestImages } from '@flotilla/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AppSpecInput,
  appSpecSchema,
  createSwarmTarget,
  type DeployTarget,
  type RegistryCredentials,
  type StoredSpec,
} from '../src/index.ts';
import { answers, get, requestLoop } from './http.ts';

let testbed: Testbed;
let images: TestImages;
let sessions: SshSession[];
let manager: DockerEngine;
let swarm: DeployTarget;
let registry: RegistryCredentials;
let hosts: string[];

const port = 8080;

function app(overrides: Partial<AppSpecInput> = {}) {
  return appSpecSchema.parse({
    name: 'web',
    appId: 'app_web',
    image: images.httpV1.name,
    replicas: 3,
    port: { target: 80, published: port, mode: 'host' },
    env: { GREETING: 'hello' },
    ...overrides,
  });
}

async function until<T>(
  what: string,
  probe: () => Promise<T | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms ${last ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** `docker service ps` on the manager: running tasks as "node image". */
async function servicePs(name: string): Promise<string[]> {
  const out = await sessions[0]!.runOk(
    `docker service ps ${name} --filter desired-state=running --format '{{.Node}} {{.CurrentState}} {{.Image}}'`,
  );
  return out
    .trim()
    .split('\n')
    .filter((line) => line.includes(' Running '))
    .map((line) => {
      const [node, , , , , image] = line.split(' ');
      return `${node} ${image}`;
    })
    .sort();
}

beforeAll(async () => {
  const keys = await generateKeyPair();
  testbed = await createTestbed({ hosts: 3, authorizedKeys: [keys.publicKey], registryAuth: true });
  hosts = testbed.hosts.map((h) => h.host);
  registry = {
    server: testbed.registry.address,
    username: testbed.registry.username!,
    password: testbed.registry.password!,
  };
  const [imagesBuilt, opened] = await Promise.all([
    testbed.images(),
    Promise.all(
      testbed.hosts.map((h) =>
        connect({
          host: h.host,
          port: h.port,
          username: h.user,
          privateKey: keys.privateKey,
          timeoutMs: 20_000,
        }),
      ),
    ),
  ]);
  images = imagesBuilt;
  sessions = opened;
  const [first, ...others] = sessions;
  await first!.runOk(`docker swarm init --advertise-addr ${first!.host}`);
  const token = (await first!.runOk('docker swarm join-token -q worker')).trim();
  await Promise.all(
    others.map((s) =>
      s.runOk(`docker swarm join --token ${token} --advertise-addr ${s.host} ${first!.host}:2377`),
    ),
  );
  manager = connectDocker(first!);
  const engines = new Map<string, DockerEngine>();
  swarm = createSwarmTarget({
    manager,
    async engineForNode(node) {
      const session = sessions.find((s) => s.host === node.Status.Addr);
      if (!session) throw new Error(`no server at ${node.Status.Addr}`);
      const engine = engines.get(session.host) ?? connectDocker(session);
      engines.set(session.host, engine);
      return engine;
    },
  });
  await until('3 nodes ready', async () => {
    const nodes = await manager.nodes();
    return nodes.filter((n) => n.Status.State === 'ready').length === 3;
  });
});

afterAll(async () => {
  await Promise.all((sessions ?? []).map((s) => s.close()));
  await testbed?.destroy();
});

describe('apps on a Swarm', () => {
  let v1: StoredSpec;

  it('refuses to resolve an image of a registry that wants credentials it was not given', async () => {
    await expect(swarm.plan(app())).rejects.toThrow(
      /distribution.*(unauthorized|authentication|401|no basic auth)/i,
    );
  });

  it('deploys v1 with 3 replicas: proven running, answers v1 on every node, as docker service ps says', async () => {
    const result = await swarm.deploy(app(), { registry });
    expect(result, result.reason).toMatchObject({ outcome: 'succeeded', restored: false });
    v1 = result.applied;
    expect(v1.spec.TaskTemplate.ContainerSpec.Image).toBe(
      `${images.httpV1.name}@${images.httpV1.digest}`,
    );
    expect(v1.spec.UpdateConfig).toMatchObject({ FailureAction: 'rollback', Order: 'stop-first' });
    expect(await answers(hosts, port)).toEqual(['v1', 'v1', 'v1']);

    const tasks = (await swarm.tasks('web')).filter((t) => t.desiredState === 'running');
    expect(tasks).toHaveLength(3);
    expect(tasks.every((t) => t.state === 'running' && t.upToDate)).toBe(true);
    const ours = tasks.map((t) => `${t.node} ${t.image.split('@')[0]}`).sort();
    expect(await servicePs('web')).toEqual(ours);
    expect(new Set(tasks.map((t) => t.node)).size).toBe(3);
    console.info(`deploy v1 (3 replicas, judged): ${result.durationMs} ms`);

    // The environment reaches the containers (the CGI prints it).
    const env = await get(hosts[0]!, port, '/cgi-bin/env');
    expect(env.body).toContain('GREETING=hello');
  });

  it('deploys v2: every node answers v2', async () => {
    const result = await swarm.deploy(app({ image: images.httpV2.name }), { registry });
    expect(result, result.reason).toMatchObject({ outcome: 'succeeded' });
    expect(result.previous?.spec.TaskTemplate.ContainerSpec.Image).toBe(
      v1.spec.TaskTemplate.ContainerSpec.Image,
    );
    expect(await answers(hosts, port)).toEqual(['v2', 'v2', 'v2']);
  });

  it('rolls back to the stored v1 spec (no re-resolve, no rebuild)', async () => {
    const result = await swarm.rollbackTo(v1, { registry });
    expect(result, result.reason).toMatchObject({ outcome: 'succeeded' });
    expect(await answers(hosts, port)).toEqual(['v1', 'v1', 'v1']);
    const live = await manager.service('web');
    expect(live!.Spec.TaskTemplate.ContainerSpec.Image).toBe(
      v1.spec.TaskTemplate.ContainerSpec.Image,
    );
  });

  it('judges a broken release failed with the orchestrator’s reason; v1 keeps serving throughout', async () => {
    const loop = requestLoop(hosts, port, ['v1']);
    const result = await swarm.deploy(app({ image: images.broken.name }), { registry });
    // Let the rolled-back task settle before the loop stops.
    await until('all nodes answer v1', async () =>
      (await answers(hosts, port)).every((a) => a === 'v1'),
    );
    const stats = await loop.stop();
    console.info(
      `broken deploy: ${result.outcome} in ${result.durationMs} ms (${result.reason}); ` +
        `request loop: ${stats.requests} requests, ${stats.errors.length} errors, ` +
        `${stats.refusedNodes} connections refused by the node being replaced`,
    );
    expect(result.outcome).toBe('failed');
    expect(result.restored).toBe(true);
    expect(result.reason).toMatch(/rolled back/);
    expect(result.reason).toMatch(/non-zero exit \(1\)/);
    expect(stats.errors).toEqual([]);
    expect(stats.requests).toBeGreaterThan(10);
    const live = await manager.service('web');
    expect(live!.Spec.TaskTemplate.ContainerSpec.Image).toBe(
      v1.spec.TaskTemplate.ContainerSpec.Image,
    );
    expect(await answers(hosts, port)).toEqual(['v1', 'v1', 'v1']);
  });

  it('a release whose containers cannot start is tried once more, then failed naming both tries', async () => {
    const loop = requestLoop(hosts, port, ['v1']);
    const progress: string[] = [];
    const result = await swarm.deploy(app({ entrypoint: ['/no/such/entrypoint'] }), {
      registry,
      onProgress: (message) => progress.push(message),
    });
    await until('all nodes answer v1', async () =>
      (await answers(hosts, port)).every((a) => a === 'v1'),
    );
    const stats = await loop.stop();
    expect(result.outcome).toBe('failed');
    expect(result.restored).toBe(true);
    expect(result.reason).toMatch(/starting container failed.*no such file or directory/);
    expect(result.reason).toMatch(/; on a first try: rolled back/);
    expect(progress.filter((m) => m.includes('applying the same change once more'))).toHaveLength(
      1,
    );
    expect(stats.errors).toEqual([]);
    expect(await answers(hosts, port)).toEqual(['v1', 'v1', 'v1']);
  });

  it('scales 3 → 5 → 1, as the servers show', async () => {
    // A host-mode port can be held by one task per node: five replicas on three nodes publish none.
    const spread = await swarm.deploy(app({ port: undefined }), { registry });
    expect(spread.outcome, spread.reason).toBe('succeeded');
    const up = await swarm.scale('web', 5);
    expect(up.outcome, up.reason).toBe('succeeded');
    expect(await servicePs('web')).toHaveLength(5);
    expect((await swarm.tasks('web')).filter((t) => t.state === 'running')).toHaveLength(5);
    const down = await swarm.scale('web', 1);
    expect(down.outcome, down.reason).toBe('succeeded');
    await until('one task left', async () => (await servicePs('web')).length === 1);
    const back = await swarm.deploy(app({ replicas: 3 }), { registry });
    expect(back.outcome, back.reason).toBe('succeeded');
    expect(await answers(hosts, port)).toEqual(['v1', 'v1', 'v1']);
  });

  it('restart replaces every task with the same spec', async () => {
    const before = (await swarm.tasks('web')).filter((t) => t.state === 'running').map((t) => t.id);
    const image = (await manager.service('web'))!.Spec.TaskTemplate.ContainerSpec.Image;
    const result = await swarm.restart('web', { registry });
    expect(result.outcome, result.reason).toBe('succeeded');
    const after = (await swarm.tasks('web')).filter((t) => t.state === 'running');
    expect(after).toHaveLength(3);
    expect(after.some((t) => before.includes(t.id))).toBe(false);
    expect((await manager.service('web'))!.Spec.TaskTemplate.ContainerSpec.Image).toBe(image);
  });

  it('logs hold what the app printed; following delivers a new line within a second', async () => {
    const lines = await swarm.logs('web', { tail: 50 });
    expect(lines.some((l) => l.message.includes('flotilla-http v1 listening'))).toBe(true);
    // Every line a task printed carries its stamp and task; a line the daemon adds itself (a
    // node slow to answer on a loaded machine: "incomplete log stream") is marked as such.
    const unattributed = lines.filter(
      (l) => !l.daemon && !(/^\d{4}-\d\d-\d\dT/.test(l.time) && l.taskId),
    );
    expect(unattributed).toEqual([]);
    for (const l of lines.filter((l) => l.daemon)) console.info(`daemon: ${l.message}`);

    const controller = new AbortController();
    const marker = `/marker-${Date.now()}`;
    const seen = (async () => {
      for await (const line of swarm.followLogs('web', { tail: 0, signal: controller.signal })) {
        if (line.message.includes(marker)) return { line, at: Date.now() };
      }
      return null;
    })();
    // The follow stream is open once the daemon answers; give it a moment to subscribe.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const sentAt = Date.now();
    await Promise.all(hosts.map((h) => get(h, port, marker).catch(() => null)));
    const found = await Promise.race([
      seen,
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 5_000)),
    ]);
    controller.abort();
    expect(found, 'the request line reached the follow stream').not.toBeNull();
    console.info(`log follow: line delivered ${found!.at - sentAt} ms after the request`);
    expect(found!.at - sentAt).toBeLessThan(1_000);
    expect(found!.line.stream).toBe('stderr');
  });

  it('metrics: CPU and memory of each running task, from the node it runs on', async () => {
    const metrics = await swarm.metrics('web');
    expect(metrics).toHaveLength(3);
    expect(new Set(metrics.map((m) => m.nodeId)).size).toBe(3);
    for (const m of metrics) {
      expect(m.cpuTotalNanos).toBeGreaterThan(0);
      expect(m.memoryBytes).toBeGreaterThan(0);
      expect(m.networkRxBytes).toBeGreaterThan(0);
    }
  });

  it('a task left pending fails the deploy after the hard limit, naming why', async () => {
    // Every node's port 8080 is held by web: host mode leaves nowhere to put this one.
    const result = await swarm.deploy(app({ name: 'squatter', appId: 'app_squat' }), {
      registry,
      pendingTimeoutMs: 3_000,
    });
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(/pending .*host-mode port already in use/);
    await swarm.remove('squatter');
  });

  it('a cancelled deploy puts the previous spec back', async () => {
    const controller = new AbortController();
    // Cancelled while the update is under way (the first progress report comes after the write).
    const result = await swarm.deploy(app({ image: images.httpV2.name }), {
      registry,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    expect(result.outcome).toBe('cancelled');
    expect(result.restored).toBe(true);
    expect((await manager.service('web'))!.Spec.TaskTemplate.ContainerSpec.Image).toBe(
      v1.spec.TaskTemplate.ContainerSpec.Image,
    );
    await until('all nodes answer v1', async () =>
      (await answers(hosts, port)).every((a) => a === 'v1'),
    );
  });

  it('remove leaves no service, task or container on the servers', async () => {
    const id = (await manager.service('web'))!.ID;
    const result = await swarm.remove('web');
    expect(result.removed).toBe(true);
    expect(await manager.service('web')).toBeNull();
    expect((await manager.tasks()).filter((t) => t.ServiceID === id)).toEqual([]);
    for (const session of sessions) {
      const left = await session.runOk('docker ps -aq --filter label=dev.flotilla.app-id=app_web');
      expect(left.trim()).toBe('');
    }
    expect(await answers(hosts, port)).toEqual(['refused', 'refused', 'refused']);
    expect(await swarm.remove('web')).toEqual({
      removed: false,
      configs: 0,
      secrets: 0,
      networks: 0,
    });
  });

  it('deploy-to-serving: Flotilla’s deploy against a hand-written docker service create', async () => {
    const servedAt = async (p: number) =>
      until(
        'all nodes answer',
        async () => (await answers(hosts, p)).every((a) => a === 'v1'),
        120_000,
      );
    // By hand, over SSH: what a script would do.
    const login = `echo ${registry.password} | docker login -u ${registry.username} --password-stdin ${registry.server} >/dev/null`;
    const t0 = Date.now();
    await sessions[0]!.runOk(
      `${login} && docker service create -d -q --with-registry-auth --name byhand --replicas 3 --publish mode=host,published=8090,target=80 ${images.httpV1.name}`,
    );
    await servedAt(8090);
    const byHand = Date.now() - t0;
    await sessions[0]!.runOk(`docker logout ${registry.server} >/dev/null`);

    const t1 = Date.now();
    const deploying = swarm.deploy(
      app({
        name: 'flotilla',
        appId: 'app_bench',
        port: { target: 80, published: 8091, mode: 'host' },
      }),
      { registry },
    );
    await servedAt(8091);
    const serving = Date.now() - t1;
    const result = await deploying;
    expect(result.outcome, result.reason).toBe('succeeded');
    console.info(
      `deploy-to-serving, 3 replicas: docker service create over SSH ${byHand} ms; ` +
        `Flotilla deploy ${serving} ms serving (${(serving / byHand).toFixed(2)}×), judged succeeded after ${result.durationMs} ms`,
    );
    await swarm.remove('flotilla');
    await sessions[0]!.runOk('docker service rm byhand');
  });
});
