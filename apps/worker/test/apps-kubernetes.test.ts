// Apps on a Kubernetes (k3s) cluster end to end, driven as the apps page shows (`/api/v1/apps…`)
// against the real API server and worker, on three testbed servers running the k3s stand-in (no
// real Kubernetes can run here: an API server with simulated controllers; see
// packages/testbed/README.md). What the API says is checked against what the stand-in holds:
// `k3s kubectl get … -o json` on the first server, and the log of every apply it recorded.
// The stand-in runs no containers, so nothing here answers HTTP: rollouts, readiness and
// crash loops are the simulated controllers' (images with `:broken` crash-loop).
import { serveGitRepository } from '@flotilla/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AppsBed,
  deploymentSettles,
  latestDeployment,
  type RestDeployment,
  startAppsBed,
} from './apps-fixture.ts';
import { eventually } from './fixture.ts';

interface RestApp {
  id: string;
  name: string;
  status: string;
  status_reason: string | null;
  published_port: number | null;
  replicas: number;
}

interface RestPod {
  name: string;
  phase: string;
  ready: boolean;
  state: string;
  up_to_date: boolean;
  error: string | null;
}

interface RestStatus {
  desired_replicas: number;
  ready_replicas: number;
  service: string;
  update_state: string | null;
  pods: RestPod[];
}

// biome-ignore lint/suspicious/noExplicitAny: objects read back from the stand-in as JSON.
type Json = any;

const namespace = 'flotilla-apps';
/** Seconds without progress before the stand-in's Deployment controller fails a rollout. */
const progressDeadlineSeconds = 8;

let bed: AppsBed;

beforeAll(async () => {
  bed = await startAppsBed({ orchestrator: 'kubernetes', apps: { progressDeadlineSeconds } });
}, 600_000);

afterAll(async () => {
  await bed?.close();
});

async function createApp(body: Record<string, unknown>): Promise<RestApp> {
  const created = await bed.http<RestApp>('POST', '/api/v1/apps', {
    cluster_id: bed.clusterId,
    ...body,
  });
  expect(created.status, created.text).toBe(201);
  return created.data;
}

async function serviceNameOf(appId: string): Promise<string> {
  const row = await bed.fx.db.app.findUniqueOrThrow({ where: { id: appId } });
  return row.serviceName;
}

/** The app's Deployment as the stand-in holds it. */
const deploymentOf = (name: string) => bed.kubectl<Json>(`get deployment ${name} -n ${namespace}`);

/** Every object of `kind` the owner label selects, by name. */
async function owned(kind: string, appId: string): Promise<string[]> {
  const list = await bed.kubectl<Json>(
    `get ${kind} -n ${namespace} -l flotilla.dev/owner=app.${appId}`,
  );
  return (list.items as Json[]).map((o) => o.metadata.name).sort();
}

/** The pods the stand-in runs for the app, as kubectl shows them. */
async function podsOf(appId: string): Promise<Json[]> {
  const list = await bed.kubectl<Json>(
    `get pods -n ${namespace} -l flotilla.dev/owner=app.${appId}`,
  );
  return list.items as Json[];
}

const isReady = (pod: Json) =>
  (pod.status.conditions ?? []).some((c: Json) => c.type === 'Ready' && c.status === 'True');

/** Every apply and delete the stand-in recorded, in order. */
async function recorded(): Promise<
  { verb: string; resource: string; name: string; manager?: string }[]
> {
  const out = await bed.testbed.exec(
    bed.testbed.hosts[0]!.name,
    'cat /var/lib/rancher/k3s/server/standin-applied.jsonl',
  );
  return out.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** Waits until the stand-in's Deployment has `replicas` ready pods of its current template. */
function rolledOut(name: string, replicas: number, timeoutMs = 60_000) {
  return eventually(
    `${name} rolled out with ${replicas} replicas`,
    async () => {
      const d = await deploymentOf(name);
      const s = d.status ?? {};
      return d.spec.replicas === replicas &&
        (s.observedGeneration ?? 0) >= d.metadata.generation &&
        (s.updatedReplicas ?? 0) === replicas &&
        (s.replicas ?? 0) === replicas &&
        (s.readyReplicas ?? 0) === replicas
        ? d
        : undefined;
    },
    { timeoutMs, intervalMs: 300 },
  );
}

describe('an image app on a k3s cluster', () => {
  let web: RestApp;
  let other: RestApp;
  let service: string;
  let v1: RestDeployment;
  let v1Image: string;

  it('comes up with 3 replicas: status and pods agree with the Deployment the stand-in holds', async () => {
    const started = Date.now();
    web = await createApp({
      name: 'web',
      source_type: 'image',
      image_url: bed.images.httpV1.name,
      port: 80,
      replicas: 3,
      env: { GREETING: 'hello' },
      secret_env: { API_KEY: 's3cret-value' },
      domain: 'web.apps.test',
    });
    service = await serviceNameOf(web.id);
    v1 = await latestDeployment(bed, web.id);
    const settled = await deploymentSettles(bed, web.id, v1.id);
    expect(settled.status, settled.reason ?? '').toBe('active');
    console.info(`k3s image app: created → active in ${Date.now() - started} ms`);

    const status = await bed.http<RestStatus>('GET', `/api/v1/apps/${web.id}/status`);
    expect(status.status, status.text).toBe(200);
    expect(status.data.service).toBe('present');
    expect(status.data.desired_replicas).toBe(3);
    expect(status.data.ready_replicas).toBe(3);
    expect(status.data.update_state).toBe('complete');
    expect(status.data.pods).toHaveLength(3);
    expect(status.data.pods.every((p) => p.phase === 'Running' && p.ready && p.up_to_date)).toBe(
      true,
    );
    const pods = await bed.http<RestPod[]>('GET', `/api/v1/apps/${web.id}/pods`);
    expect(pods.data.map((p) => p.name).sort()).toEqual(status.data.pods.map((p) => p.name).sort());

    // What the stand-in holds: the pinned image, the replicas, the deployment that applied it.
    const row = await bed.fx.db.deployment.findUniqueOrThrow({ where: { id: v1.id } });
    v1Image = `${bed.images.httpV1.name}@${bed.images.httpV1.digest}`;
    expect(row.imageDigest).toBe(v1Image);
    const live = await deploymentOf(service);
    expect(live.spec.replicas).toBe(3);
    expect(live.spec.template.spec.containers[0].image).toBe(v1Image);
    expect(live.metadata.annotations['flotilla.dev/deployment-id']).toBe(v1.id);
    expect(live.status.readyReplicas).toBe(3);
    expect(live.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(
      (await podsOf(web.id))
        .filter(isReady)
        .map((p) => p.metadata.name)
        .sort(),
    ).toEqual(status.data.pods.map((p) => p.name).sort());
    // Plain env in a ConfigMap, secret env in a Secret, the registry's credentials as an image
    // pull Secret, a LoadBalancer Service on the published port, an Ingress for the domain.
    expect(await owned('configmap', web.id)).toEqual([`${service}-env`]);
    expect(await owned('secret', web.id)).toEqual([`${service}-env`, `${service}-registry`]);
    expect(live.spec.template.spec.imagePullSecrets).toEqual([{ name: `${service}-registry` }]);
    const svc = await bed.kubectl<Json>(`get service ${service} -n ${namespace}`);
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.spec.ports[0]).toMatchObject({ port: web.published_port, targetPort: 80 });
    const ingress = await bed.kubectl<Json>(`get ingress ${service} -n ${namespace}`);
    expect(ingress.spec.ingressClassName).toBe('traefik');
    expect(ingress.spec.rules[0].host).toBe('web.apps.test');
    // Applied with server-side apply by Flotilla's field manager.
    const applies = (await recorded()).filter((r) => r.verb === 'apply' && r.name === service);
    expect(applies.length).toBeGreaterThan(0);
    expect(applies.every((r) => r.manager === 'flotilla')).toBe(true);

    // Secret data is never stored in clear: not the env value, not the registry's password.
    const stored = JSON.stringify(row.spec);
    expect(stored).not.toContain('s3cret-value');
    expect(stored).not.toContain(Buffer.from('s3cret-value').toString('base64'));
    expect(stored).not.toContain(bed.testbed.registry.password!);
    expect(stored).not.toContain('.dockerconfigjson":');
    expect(row.secretEnvEncrypted).toBeTruthy();
    expect(row.secretEnvEncrypted).not.toContain('s3cret');

    const app = await bed.http<RestApp>('GET', `/api/v1/apps/${web.id}`);
    expect(app.data.status).toBe('running');
  });

  it('events come from the objects; logs and metrics say they are not available here', async () => {
    const events = await bed.http<{ type: string; reason: string; pod: string }[]>(
      'GET',
      `/api/v1/apps/${web.id}/events`,
    );
    expect(events.status, events.text).toBe(200);
    expect(events.data.map((e) => e.reason)).toContain('NewReplicaSetAvailable');
    expect(events.data.filter((e) => e.reason === 'Ready')).toHaveLength(3);
    for (const path of ['logs', 'metrics', 'logs/stream']) {
      const reply = await bed.http<unknown>('GET', `/api/v1/apps/${web.id}/${path}`);
      expect(reply.status, `${path}: ${reply.text}`).toBe(501);
      expect(reply.text).toMatch(/not available .*Kubernetes|Kubernetes.*not available/);
    }
  });

  it('deploys v2 as a new generation; history v2 active, v1 superseded; revert re-applies v1’s objects', async () => {
    const generation = (await deploymentOf(service)).metadata.generation;
    const changed = await bed.http('PATCH', `/api/v1/apps/${web.id}`, {
      image_url: bed.images.httpV2.name,
    });
    expect(changed.status, changed.text).toBe(200);
    const deploy = await bed.http<RestDeployment>('POST', `/api/v1/apps/${web.id}/deploy`);
    expect(deploy.status, deploy.text).toBe(201);
    const v2 = await deploymentSettles(bed, web.id, deploy.data.id);
    expect(v2.status, v2.reason ?? '').toBe('active');
    const live = await rolledOut(service, 3);
    expect(live.metadata.generation).toBeGreaterThan(generation);
    expect(live.spec.template.spec.containers[0].image).toBe(
      `${bed.images.httpV2.name}@${bed.images.httpV2.digest}`,
    );
    const pods = await podsOf(web.id);
    expect(pods).toHaveLength(3);
    expect(pods.every((p) => p.spec.containers[0].image.includes('flotilla/http:v2'))).toBe(true);
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
    const reverted = await rolledOut(service, 3);
    expect(reverted.spec.template.spec.containers[0].image).toBe(v1Image);
    expect(reverted.metadata.annotations['flotilla.dev/deployment-id']).toBe(revert.data.id);
    const rows = await bed.fx.db.deployment.findMany({
      where: { appId: web.id },
      orderBy: { ordinal: 'asc' },
    });
    expect(rows.map((d) => [d.trigger, d.status])).toEqual([
      ['create', 'superseded'],
      ['deploy', 'superseded'],
      ['rollback', 'active'],
    ]);
    expect(rows[2]!.imageDigest).toBe(rows[0]!.imageDigest);
    // v1's stored objects, applied again: the same pod template (so the same ReplicaSet).
    const templateOf = (spec: unknown) =>
      (spec as Json).objects.find((o: Json) => o.kind === 'Deployment').spec.template;
    expect(templateOf(rows[2]!.spec)).toEqual(templateOf(rows[0]!.spec));
    const hash = reverted.spec.template.metadata.annotations['flotilla.dev/config-hash'];
    expect(hash).toBe(templateOf(rows[0]!.spec).metadata.annotations['flotilla.dev/config-hash']);
    expect(await bed.fx.db.build.count({ where: { appId: web.id } })).toBe(0);
  });

  it('a broken image fails with ProgressDeadlineExceeded and CrashLoopBackOff; the previous objects are back', async () => {
    const before = await deploymentOf(service);
    const readyBefore = (await podsOf(web.id)).filter(isReady).map((p) => p.metadata.name);
    await bed.http('PATCH', `/api/v1/apps/${web.id}`, { image_url: bed.images.broken.name });
    const deploy = await bed.http<RestDeployment>('POST', `/api/v1/apps/${web.id}/deploy`);
    expect(deploy.status, deploy.text).toBe(201);
    // While it is failing, the crash-looping pod shows as not ready, and the old ones keep serving.
    const crashing = await eventually(
      'a crash-looping pod in status',
      async () => {
        const status = await bed.http<RestStatus>('GET', `/api/v1/apps/${web.id}/status`);
        return status.data.pods.find((p) => p.state === 'CrashLoopBackOff')
          ? status.data
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 300 },
    );
    const bad = crashing.pods.find((p) => p.state === 'CrashLoopBackOff')!;
    expect(bad).toMatchObject({ phase: 'Running', ready: false, up_to_date: true });
    expect(bad.error).toMatch(/^CrashLoopBackOff/);
    expect(crashing.pods.filter((p) => p.ready && !p.up_to_date)).toHaveLength(3);

    const failed = await deploymentSettles(bed, web.id, deploy.data.id);
    expect(failed.status).toBe('failed');
    expect(failed.reason).toContain('ProgressDeadlineExceeded');
    expect(failed.reason).toContain('CrashLoopBackOff');
    expect(failed.reason).toContain('the previous deployment serves again');
    console.info(`k3s broken release: ${failed.reason}`);

    const after = await rolledOut(service, 3);
    expect(after.spec.template.spec.containers[0].image).toBe(v1Image);
    expect(after.metadata.annotations['flotilla.dev/deployment-id']).toBe(
      before.metadata.annotations['flotilla.dev/deployment-id'],
    );
    const pods = await podsOf(web.id);
    expect(pods.every((p) => !p.spec.containers[0].image.includes(':broken'))).toBe(true);
    // The pods that served before the broken release were never replaced.
    expect(
      pods
        .filter(isReady)
        .map((p) => p.metadata.name)
        .sort(),
    ).toEqual(readyBefore.sort());
    const history = await bed.http<RestDeployment[]>('GET', `/api/v1/apps/${web.id}/deployments`);
    expect(history.data.filter((d) => d.status === 'active')).toHaveLength(1);
    const app = await bed.http<RestApp>('GET', `/api/v1/apps/${web.id}`);
    expect(app.data.status).toBe('failed');
    expect(app.data.status_reason).toContain('ProgressDeadlineExceeded');
    await bed.http('PATCH', `/api/v1/apps/${web.id}`, { image_url: bed.images.httpV1.name });
  });

  it('restart sets the restartedAt annotation and replaces every pod, with no new deployment', async () => {
    const deployments = await bed.fx.db.deployment.count({ where: { appId: web.id } });
    const before = (await podsOf(web.id)).map((p) => p.metadata.name);
    const restart = await bed.http('POST', `/api/v1/apps/${web.id}/restart`);
    expect(restart.status, restart.text).toBeLessThan(300);
    const restarted = await eventually(
      'three new pods ready',
      async () => {
        const d = await deploymentOf(service);
        const pods = await podsOf(web.id);
        return d.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'] &&
          pods.length === 3 &&
          pods.every((p) => isReady(p) && !before.includes(p.metadata.name))
          ? d
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 300 },
    );
    const annotations = restarted.spec.template.metadata.annotations;
    expect(Date.parse(annotations['kubectl.kubernetes.io/restartedAt'])).toBeGreaterThan(0);
    expect(annotations['flotilla.dev/restart-generation']).toBe('1');
    expect(restarted.spec.template.spec.containers[0].image).toBe(v1Image);
    expect(await bed.fx.db.deployment.count({ where: { appId: web.id } })).toBe(deployments);
  });

  it('scales 3 → 5 → 1, as the stand-in shows', async () => {
    for (const replicas of [5, 1]) {
      const scaled = await bed.http('PATCH', `/api/v1/apps/${web.id}`, { replicas });
      expect(scaled.status, scaled.text).toBe(200);
      await rolledOut(service, replicas);
      const pods = await eventually(
        `${replicas} pods`,
        async () => {
          const list = await podsOf(web.id);
          return list.length === replicas ? list : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 300 },
      );
      expect(pods.filter(isReady)).toHaveLength(replicas);
      const status = await bed.http<RestStatus>('GET', `/api/v1/apps/${web.id}/status`);
      expect(status.data.desired_replicas).toBe(replicas);
      expect(status.data.ready_replicas).toBe(replicas);
    }
  });

  it('remove deletes exactly the app’s objects; another app’s stay', async () => {
    other = await createApp({
      name: 'other',
      source_type: 'image',
      image_url: bed.images.httpV1.name,
      port: 80,
      replicas: 1,
      env: { GREETING: 'other' },
    });
    const otherService = await serviceNameOf(other.id);
    const first = await latestDeployment(bed, other.id);
    expect((await deploymentSettles(bed, other.id, first.id)).status).toBe('active');
    const otherBefore = {
      deployments: await owned('deployment', other.id),
      configmaps: await owned('configmap', other.id),
      services: await owned('service', other.id),
      pods: (await podsOf(other.id)).map((p) => p.metadata.name),
    };
    expect(otherBefore.deployments).toEqual([otherService]);

    const removed = await bed.http('DELETE', `/api/v1/apps/${web.id}`);
    expect(removed.status, removed.text).toBe(204);
    await eventually(
      'the app gone',
      async () =>
        (await bed.http('GET', `/api/v1/apps/${web.id}`)).status === 404 ? true : undefined,
      { timeoutMs: 120_000 },
    );
    for (const kind of [
      'deployment',
      'replicaset',
      'pod',
      'service',
      'configmap',
      'secret',
      'ingress',
    ]) {
      expect(await owned(kind, web.id), kind).toEqual([]);
    }
    const deletes = (await recorded()).filter((r) => r.verb === 'delete');
    expect(deletes.map((r) => `${r.resource}/${r.name}`)).toEqual(
      expect.arrayContaining([
        `deployments/${service}`,
        `services/${service}`,
        `ingresses/${service}`,
        `configmaps/${service}-env`,
        `secrets/${service}-env`,
        `secrets/${service}-registry`,
      ]),
    );
    expect(deletes.some((r) => r.name.startsWith(otherService))).toBe(false);
    expect({
      deployments: await owned('deployment', other.id),
      configmaps: await owned('configmap', other.id),
      services: await owned('service', other.id),
      pods: (await podsOf(other.id)).map((p) => p.metadata.name),
    }).toEqual(otherBefore);
  });
});

describe('a git app on a k3s cluster', () => {
  it('builds with Docker on the first manager, pushes to the registry, and deploys the pinned digest', async () => {
    const repo = await serveGitRepository(bed.testbed, {
      name: 'site',
      files: {
        Dockerfile: [`FROM ${bed.images.httpV1.name}`, 'COPY index.html /www/index.html', ''].join(
          '\n',
        ),
        'index.html': 'git v1\n',
      },
    });
    const site = await createApp({
      name: 'site',
      source_type: 'git',
      repo_url: repo.url,
      repo_branch: 'main',
      port: 80,
      replicas: 2,
    });
    const deployment = await latestDeployment(bed, site.id);
    const settled = await deploymentSettles(bed, site.id, deployment.id, 300_000);
    expect(settled.status, settled.reason ?? '').toBe('active');
    const row = await bed.fx.db.deployment.findUniqueOrThrow({
      where: { id: deployment.id },
      include: { build: true },
    });
    expect(row.build?.status).toBe('succeeded');
    expect(row.imageDigest).toMatch(
      new RegExp(`^${bed.testbed.registry.address}/.+:${deployment.id}@sha256:[0-9a-f]{64}$`),
    );
    const live = await rolledOut(await serviceNameOf(site.id), 2);
    expect(live.spec.template.spec.containers[0].image).toBe(row.imageDigest);
    const log = await bed.http('GET', `/api/v1/apps/${site.id}/build-log`);
    expect(log.status, log.text).toBe(200);
    expect(log.text).toContain(repo.commit);
  });
});
