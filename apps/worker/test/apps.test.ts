// Apps end to end, driven as the apps page shows (`/api/v1/apps…`, snake_case) against the real
// API server and worker, on a 3-node testbed Swarm pulling from (and building into) the
// testbed's registry, which wants credentials. What the API says is checked against what the
// servers do: HTTP answers on the published port, `docker service ps` and `docker service
// inspect` on a manager.
import { gzipSync } from 'node:zlib';
import { serveGitRepository } from '@flotilla/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// HTTP probes of the testbed's servers, shared with @flotilla/deploy's own tests.
import { answers, get, requestLoop } from '../../../packages/deploy/test/http.ts';
import { tarOf } from '../../../packages/image-build/test/tar.ts';
import {
  type AppsBed,
  balancedLoop,
  deploymentSettles,
  latestDeployment,
  type RestDeployment,
  servicePs,
  startAppsBed,
} from './apps-fixture.ts';
import { eventually } from './fixture.ts';

interface RestApp {
  id: string;
  name: string;
  slug: string;
  status: string;
  status_reason: string | null;
  published_port: number | null;
  replicas: number;
  last_deploy_at: string | null;
}

interface RestStatus {
  desired_replicas: number;
  ready_replicas: number;
  pods: { name: string; phase: string; ready: boolean }[];
}

let bed: AppsBed;

beforeAll(async () => {
  bed = await startAppsBed();
}, 600_000);

afterAll(async () => {
  await bed?.close();
});

/** Every server answers `body` on `port` (host mode: each node runs one task). */
function servedEverywhere(port: number, body: string, timeoutMs = 60_000) {
  return eventually(
    `every node answers ${body} on ${port}`,
    async () => {
      const seen = await answers(bed.hosts, port);
      return seen.every((a) => a === body) ? seen : undefined;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

async function createApp(body: Record<string, unknown>): Promise<RestApp> {
  const created = await bed.http<RestApp>('POST', '/api/v1/apps', {
    cluster_id: bed.clusterId,
    ...body,
  });
  expect(created.status, created.text).toBe(201);
  return created.data;
}

/** The live service's spec, as a manager has it. */
async function inspect(service: string) {
  const [spec] = JSON.parse(await bed.docker(`service inspect ${service}`)) as {
    Spec: { Labels: Record<string, string>; TaskTemplate: { ContainerSpec: { Image: string } } };
  }[];
  return spec!.Spec;
}

async function serviceNameOf(appId: string): Promise<string> {
  const row = await bed.fx.db.app.findUniqueOrThrow({ where: { id: appId } });
  return row.serviceName;
}

describe('an image app', () => {
  let web: RestApp;
  let port: number;
  let service: string;
  let v1: RestDeployment;

  it('comes up with 3 replicas, answers v1 on its published port, and status agrees with the servers', async () => {
    const started = Date.now();
    web = await createApp({
      name: 'web',
      source_type: 'image',
      image_url: bed.images.httpV1.name,
      port: 80,
      replicas: 3,
      env: { GREETING: 'hello' },
    });
    expect(web.published_port).toBeGreaterThan(0);
    port = web.published_port!;
    service = await serviceNameOf(web.id);
    v1 = await latestDeployment(bed, web.id);
    const settled = await deploymentSettles(bed, web.id, v1.id);
    expect(settled.status, settled.reason ?? '').toBe('active');
    await servedEverywhere(port, 'v1');
    console.info(
      `image app: created → active and serving on 3 nodes in ${Date.now() - started} ms`,
    );

    const status = await bed.http<RestStatus>('GET', `/api/v1/apps/${web.id}/status`);
    expect(status.status).toBe(200);
    expect(status.data.desired_replicas).toBe(3);
    expect(status.data.ready_replicas).toBe(3);
    expect(status.data.pods).toHaveLength(3);
    expect(status.data.pods.every((p) => p.phase === 'Running' && p.ready)).toBe(true);
    const ps = await servicePs(bed, service);
    expect(ps).toHaveLength(3);
    expect(new Set(ps.map((line) => line.split(' ')[0])).size).toBe(3);
    expect(ps.every((line) => line.includes('flotilla/http:v1'))).toBe(true);

    // The service says which deployment it runs, and the row keeps the pinned image and spec.
    const live = await inspect(service);
    expect(live.Labels['dev.flotilla.deployment-id']).toBe(v1.id);
    const row = await bed.fx.db.deployment.findUniqueOrThrow({ where: { id: v1.id } });
    expect(row.imageDigest).toBe(`${bed.images.httpV1.name}@${bed.images.httpV1.digest}`);
    expect(live.TaskTemplate.ContainerSpec.Image).toBe(row.imageDigest);
    const app = await bed.http<RestApp>('GET', `/api/v1/apps/${web.id}`);
    expect(app.data.status).toBe('running');
    expect(app.data.last_deploy_at).not.toBeNull();
  });

  it('deploys v2: answers v2, v2 active and v1 superseded; reverting answers v1 with no rebuild', async () => {
    const changed = await bed.http('PATCH', `/api/v1/apps/${web.id}`, {
      image_url: bed.images.httpV2.name,
    });
    expect(changed.status, changed.text).toBe(200);
    const deploy = await bed.http<RestDeployment>('POST', `/api/v1/apps/${web.id}/deploy`);
    expect(deploy.status, deploy.text).toBe(201);
    const v2 = await deploymentSettles(bed, web.id, deploy.data.id);
    expect(v2.status, v2.reason ?? '').toBe('active');
    await servedEverywhere(port, 'v2');
    const history = await bed.http<RestDeployment[]>('GET', `/api/v1/apps/${web.id}/deployments`);
    expect(history.data.map((d) => [d.id, d.status])).toEqual([
      [v2.id, 'active'],
      [v1.id, 'superseded'],
    ]);

    const revert = await bed.http<RestDeployment>(
      'POST',
      `/api/v1/apps/${web.id}/deployments/${v1.id}/revert`,
    );
    expect(revert.status, revert.text).toBe(201);
    const back = await deploymentSettles(bed, web.id, revert.data.id);
    expect(back.status, back.reason ?? '').toBe('active');
    await servedEverywhere(port, 'v1');
    const rows = await bed.fx.db.deployment.findMany({
      where: { appId: web.id },
      orderBy: { ordinal: 'asc' },
    });
    expect(rows.map((d) => [d.trigger, d.status])).toEqual([
      ['create', 'superseded'],
      ['deploy', 'superseded'],
      ['rollback', 'active'],
    ]);
    // The same pinned image as v1, from its stored spec: nothing was built or resolved again.
    expect(rows[2]!.imageDigest).toBe(rows[0]!.imageDigest);
    expect(await bed.fx.db.build.count({ where: { appId: web.id } })).toBe(0);
    expect((await inspect(service)).Labels['dev.flotilla.deployment-id']).toBe(revert.data.id);
  });

  it('a broken release fails with a reason while the app keeps answering, and Swarm is back on the previous spec', async () => {
    const before = await inspect(service);
    await bed.http('PATCH', `/api/v1/apps/${web.id}`, { image_url: bed.images.broken.name });
    const loop = balancedLoop(bed.hosts, port, ['v1']);
    try {
      const deploy = await bed.http<RestDeployment>('POST', `/api/v1/apps/${web.id}/deploy`);
      expect(deploy.status, deploy.text).toBe(201);
      const failed = await deploymentSettles(bed, web.id, deploy.data.id);
      expect(failed.status).toBe('failed');
      expect(failed.reason).toMatch(/rolled back|exit|failed/i);
      console.info(`broken release: ${failed.reason}`);
    } finally {
      const stats = await loop.stop();
      expect(stats.errors).toEqual([]);
      expect(stats.requests).toBeGreaterThan(10);
    }
    const after = await inspect(service);
    expect(after.TaskTemplate.ContainerSpec.Image).toBe(before.TaskTemplate.ContainerSpec.Image);
    expect(after.Labels['dev.flotilla.deployment-id']).toBe(
      before.Labels['dev.flotilla.deployment-id'],
    );
    await servedEverywhere(port, 'v1');
    const history = await bed.http<RestDeployment[]>('GET', `/api/v1/apps/${web.id}/deployments`);
    expect(history.data.filter((d) => d.status === 'active')).toHaveLength(1);
    await bed.http('PATCH', `/api/v1/apps/${web.id}`, { image_url: bed.images.httpV1.name });
  });

  it('a deploy cancelled while it rolls out ends cancelled, and the previous deployment serves again', async () => {
    const before = await inspect(service);
    await bed.http('PATCH', `/api/v1/apps/${web.id}`, { image_url: bed.images.httpV2.name });
    const deploy = await bed.http<RestDeployment>('POST', `/api/v1/apps/${web.id}/deploy`);
    expect(deploy.status, deploy.text).toBe(201);
    // Applied: Swarm replaces one task at a time, watching each for 5 s.
    await eventually(
      'the new spec applied',
      async () =>
        (await inspect(service)).Labels['dev.flotilla.deployment-id'] === deploy.data.id
          ? true
          : undefined,
      { intervalMs: 100 },
    );
    const cancel = await bed.http(
      'POST',
      `/api/v1/apps/${web.id}/deployments/${deploy.data.id}/cancel`,
    );
    expect(cancel.status, cancel.text).toBe(200);
    const settled = await deploymentSettles(bed, web.id, deploy.data.id);
    expect(settled.status).toBe('cancelled');
    expect(settled.reason).toMatch(/cancel/);
    const after = await inspect(service);
    expect(after.Labels['dev.flotilla.deployment-id']).toBe(
      before.Labels['dev.flotilla.deployment-id'],
    );
    expect(after.TaskTemplate.ContainerSpec.Image).toBe(before.TaskTemplate.ContainerSpec.Image);
    await servedEverywhere(port, 'v1');
    const history = await bed.http<RestDeployment[]>('GET', `/api/v1/apps/${web.id}/deployments`);
    expect(history.data.filter((d) => d.status === 'active')).toHaveLength(1);
    await bed.http('PATCH', `/api/v1/apps/${web.id}`, { image_url: bed.images.httpV1.name });
  });

  it('restart replaces every task with the same spec, and writes no deployment', async () => {
    const deployments = await bed.fx.db.deployment.count({ where: { appId: web.id } });
    const running = async () =>
      (
        JSON.parse(
          await bed
            .docker(`service ps ${service} --filter desired-state=running --format '{{json .}}'`)
            .then((out) => `[${out.trim().split('\n').join(',')}]`),
        ) as { ID: string; CurrentState: string }[]
      ).filter((t) => t.CurrentState.startsWith('Running'));
    const before = (await running()).map((t) => t.ID);
    const image = (await inspect(service)).TaskTemplate.ContainerSpec.Image;
    const restart = await bed.http('POST', `/api/v1/apps/${web.id}/restart`);
    expect(restart.status, restart.text).toBeLessThan(300);
    const after = await eventually(
      'three new tasks running',
      async () => {
        const now = await running();
        return now.length === 3 && now.every((t) => !before.includes(t.ID)) ? now : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(after).toHaveLength(3);
    expect((await inspect(service)).TaskTemplate.ContainerSpec.Image).toBe(image);
    expect(await bed.fx.db.deployment.count({ where: { appId: web.id } })).toBe(deployments);
    await servedEverywhere(port, 'v1');
  });

  it('logs hold what the app printed, and the live stream delivers a new line within a second', async () => {
    const logs = await bed.http<{ message: string }[] | { lines: { message: string }[] }>(
      'GET',
      `/api/v1/apps/${web.id}/logs?tail=100`,
    );
    expect(logs.status, logs.text).toBe(200);
    expect(logs.text).toContain('flotilla-http v1 listening');

    const controller = new AbortController();
    const res = await fetch(`${bed.url}/api/v1/apps/${web.id}/logs/stream`, {
      headers: { authorization: `Bearer ${bed.token}`, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    // Give the follow a moment to attach on every node, then make the app print a line.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const marker = `/marker-${Date.now()}`;
    const asked = Date.now();
    await get(bed.hosts[0]!, port, marker).catch(() => undefined);
    let arrived = 0;
    while (!arrived) {
      const chunk = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error(`no line with ${marker} within 5 s: ${seen.slice(-500)}`)),
            5_000,
          ),
        ),
      ]);
      if (chunk.done) throw new Error(`stream ended: ${seen}`);
      seen += decoder.decode(chunk.value, { stream: true });
      if (seen.includes(marker)) arrived = Date.now();
    }
    controller.abort();
    console.info(`live log line delivered ${arrived - asked} ms after the request`);
    expect(arrived - asked).toBeLessThan(1_000);
  });

  it('metrics: CPU and memory of each running task', async () => {
    // Some load, so the CPU sample is not zero.
    const loop = requestLoop(bed.hosts, port, ['v1']);
    try {
      const metrics = await eventually(
        'metrics with CPU',
        async () => {
          const reply = await bed.http<unknown>('GET', `/api/v1/apps/${web.id}/metrics`);
          expect(reply.status, reply.text).toBe(200);
          return /"cpu[^"]*":\s*(?!0[,}])[0-9.]+/i.test(reply.text) ? reply : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 1_000 },
      );
      expect(metrics.text).toMatch(/"memory[^"]*":\s*[1-9]/i);
    } finally {
      await loop.stop();
    }
  });

  it('remove leaves no service, task, config or secret on the servers', async () => {
    const removed = await bed.http('DELETE', `/api/v1/apps/${web.id}`);
    expect(removed.status, removed.text).toBe(204);
    await eventually(
      'the app gone',
      async () =>
        (await bed.http('GET', `/api/v1/apps/${web.id}`)).status === 404 ? true : undefined,
      { timeoutMs: 120_000 },
    );
    const label = `label=dev.flotilla.app-id=${web.id}`;
    expect((await bed.docker(`service ls -q --filter name=${service}`)).trim()).toBe('');
    expect((await bed.docker(`config ls -q --filter ${label}`)).trim()).toBe('');
    expect((await bed.docker(`secret ls -q --filter ${label}`)).trim()).toBe('');
    for (const host of bed.testbed.hosts) {
      const containers = await bed.testbed.exec(host.name, `docker ps -aq --filter ${label}`);
      expect(containers.stdout.trim()).toBe('');
    }
    expect(await answers(bed.hosts, port)).toEqual(['refused', 'refused', 'refused']);
  });
});

describe('scaling', () => {
  it('3 → 5 → 1 shows on the servers', async () => {
    // Five replicas on three nodes cannot each hold a host-mode port: this app publishes none.
    const queue = await createApp({
      name: 'queue-worker',
      source_type: 'image',
      image_url: bed.images.sleeper.name,
      replicas: 3,
    });
    const first = await latestDeployment(bed, queue.id);
    expect((await deploymentSettles(bed, queue.id, first.id)).status).toBe('active');
    const service = await serviceNameOf(queue.id);
    expect(await servicePs(bed, service)).toHaveLength(3);
    for (const replicas of [5, 1]) {
      const scaled = await bed.http('PATCH', `/api/v1/apps/${queue.id}`, { replicas });
      expect(scaled.status, scaled.text).toBe(200);
      await eventually(
        `${replicas} running`,
        async () => ((await servicePs(bed, service)).length === replicas ? true : undefined),
        { timeoutMs: 90_000, intervalMs: 500 },
      );
      const status = await eventually(
        `status ${replicas}`,
        async () => {
          const s = await bed.http<RestStatus>('GET', `/api/v1/apps/${queue.id}/status`);
          return s.data.ready_replicas === replicas && s.data.desired_replicas === replicas
            ? s.data
            : undefined;
        },
        { timeoutMs: 30_000 },
      );
      expect(status.pods.filter((p) => p.phase === 'Running')).toHaveLength(replicas);
    }
    // A scale is not a release.
    expect(await bed.fx.db.deployment.count({ where: { appId: queue.id } })).toBe(1);
    expect((await bed.http('DELETE', `/api/v1/apps/${queue.id}`)).status).toBe(204);
  });
});

describe('built apps', () => {
  it('a git app builds on a manager, pushes to the registry, deploys the digest and answers; the build log holds the build', async () => {
    const repo = await serveGitRepository(bed.testbed, {
      name: 'site',
      files: {
        Dockerfile: [
          `FROM ${bed.images.httpV1.name}`,
          'ARG BUILD_COMMAND',
          'COPY index.html /www/index.html',
          'RUN sh -c "$BUILD_COMMAND"',
          '',
        ].join('\n'),
        'index.html': 'git v1\n',
      },
    });
    const started = Date.now();
    const site = await createApp({
      name: 'site',
      source_type: 'git',
      repo_url: repo.url,
      repo_branch: 'main',
      build_command: 'echo "compiling the site"',
      port: 80,
      replicas: 2,
    });
    const deployment = await latestDeployment(bed, site.id);
    const settled = await deploymentSettles(bed, site.id, deployment.id, 300_000);
    expect(settled.status, settled.reason ?? '').toBe('active');
    await eventually(
      'two nodes answer git v1',
      async () =>
        (await answers(bed.hosts, site.published_port!)).filter((a) => a === 'git v1').length === 2
          ? true
          : undefined,
      { timeoutMs: 60_000 },
    );
    console.info(
      `git app: created → built, pushed, active and serving in ${Date.now() - started} ms`,
    );
    const log = await bed.http<{
      build: { status: string; commit: string; image: string };
      lines: { message: string }[];
    }>('GET', `/api/v1/apps/${site.id}/build-log`);
    expect(log.status, log.text).toBe(200);
    expect(log.text).toContain('compiling the site');
    expect(log.text).toContain(repo.commit);
    const build = await bed.fx.db.build.findFirstOrThrow({ where: { appId: site.id } });
    expect(build).toMatchObject({ status: 'succeeded', commit: repo.commit });
    expect(build.image).toMatch(
      new RegExp(`^${bed.testbed.registry.address}/.+@sha256:[a-f0-9]{64}$`),
    );
    const row = await bed.fx.db.deployment.findUniqueOrThrow({ where: { id: deployment.id } });
    expect(row.imageDigest).toBe(build.image);
  });

  it('an uploaded tarball builds (no Dockerfile: the base image and build command) and answers', async () => {
    const site = await createApp({
      name: 'upload-site',
      source_type: 'upload',
      build_command: 'cp public/index.html /www/index.html && echo "copied the page"',
      port: 80,
      replicas: 1,
    });
    const form = new FormData();
    form.append(
      'file',
      new Blob([gzipSync(tarOf({ 'site/public/index.html': 'upload v1\n' }))], {
        type: 'application/gzip',
      }),
      'site.tar.gz',
    );
    const upload = await bed.http<RestDeployment>('POST', `/api/v1/apps/${site.id}/build`, form);
    expect(upload.status, upload.text).toBe(201);
    const settled = await deploymentSettles(bed, site.id, upload.data.id, 300_000);
    expect(settled.status, settled.reason ?? '').toBe('active');
    await eventually(
      'a node answers upload v1',
      async () =>
        (await answers(bed.hosts, site.published_port!)).includes('upload v1') ? true : undefined,
      { timeoutMs: 60_000 },
    );
    const log = await bed.http('GET', `/api/v1/apps/${site.id}/build-log`);
    expect(log.text).toContain('copied the page');
    // The tarball is an image now; the upload is gone.
    expect(await bed.fx.db.sourceUpload.count({ where: { appId: site.id } })).toBe(0);
  });
});
