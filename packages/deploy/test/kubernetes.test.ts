// Apps, databases and stacks on a k3s cluster of two testbed servers running the k3s stand-in
// (no real Kubernetes can run here): objects built and validated here, applied with server-side
// apply through an SSH tunnel to the first server's 127.0.0.1:6443, rollouts judged from the
// status the stand-in's controllers report. What was applied is read back with `k3s kubectl`.
// The API server speaks TLS as k3s's does, with the kubeconfig the first server wrote.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installK3s, k3sJoin, k3sKubeconfig, k3sServerInit } from '@flotilla/bootstrap';
import { connect, type SshSession } from '@flotilla/ssh';
import { createTestbed, generateKeyPair, k3sStandinPath, type Testbed } from '@flotilla/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AppSpecInput,
  appSpecSchema,
  buildAppObjects,
  buildDatabaseObjects,
  buildStackObjects,
  createKubernetesClient,
  createKubernetesTarget,
  type KubeObject,
  type KubernetesClient,
  type KubernetesStoredSpec,
  type KubernetesTarget,
  KubernetesValidationError,
  type Owner,
  type PodInfo,
} from '../src/index.ts';

let testbed: Testbed;
let sessions: SshSession[];
let client: KubernetesClient;
let target: KubernetesTarget;

const namespace = 'team-a';
const webOwner: Owner = { kind: 'app', id: 'app_web1' };
const image = (tag: string) => `registry.flotilla.test/web:${tag}`;

function webApp(overrides: Partial<AppSpecInput> = {}) {
  return appSpecSchema.parse({
    name: 'web',
    appId: webOwner.id,
    image: image('1'),
    replicas: 2,
    port: { target: 80 },
    env: { GREETING: 'hello', API_KEY: 's3cret' },
    ...overrides,
  });
}

function webObjects(overrides: Partial<AppSpecInput> = {}, progressDeadlineSeconds = 30) {
  return buildAppObjects(webApp(overrides), {
    namespace,
    secretEnv: ['API_KEY'],
    domain: 'web.flotilla.test',
    progressDeadlineSeconds,
  });
}

// biome-ignore lint/suspicious/noExplicitAny: objects read back as JSON.
type Json = any;

/** `k3s kubectl …` on the first server, parsed. */
async function kubectl(args: string): Promise<Json> {
  const out = await testbed.exec(testbed.hosts[0]!.name, `k3s kubectl ${args}`);
  if (out.code !== 0) throw new Error(`kubectl ${args}: ${out.stderr}`);
  return JSON.parse(out.stdout);
}

const names = (list: Json) => (list.items as KubeObject[]).map((o) => o.metadata.name).sort();

/** Every apply the stand-in recorded, in order (its audit log). */
async function appliedLog(): Promise<
  { verb: string; manager?: string; name: string; object?: Json }[]
> {
  const out = await testbed.exec(
    testbed.hosts[0]!.name,
    'cat /var/lib/rancher/k3s/server/standin-applied.jsonl 2>/dev/null || true',
  );
  return out.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** Samples the app's pods every 200 ms while `work` runs. */
async function watchPods<T>(
  owner: Owner,
  work: Promise<T>,
): Promise<{ result: T; samples: PodInfo[][] }> {
  const samples: PodInfo[][] = [];
  let done = false;
  const sampling = (async () => {
    while (!done) {
      samples.push(await target.pods(namespace, owner, 'web'));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  try {
    return { result: await work, samples };
  } finally {
    done = true;
    await sampling;
  }
}

beforeAll(async () => {
  const keys = await generateKeyPair();
  testbed = await createTestbed({ hosts: 2, authorizedKeys: [keys.publicKey] });
  sessions = await Promise.all(
    testbed.hosts.map((h) =>
      connect({
        host: h.host,
        port: h.port,
        username: h.user,
        privateKey: keys.privateKey,
        timeoutMs: 5_000,
      }),
    ),
  );
  const source = { kind: 'artifact' as const, path: k3sStandinPath };
  await Promise.all(sessions.map((s) => installK3s(s, { source })));
  const [server, agent] = testbed.hosts;
  const token = randomBytes(16).toString('hex');
  await k3sServerInit(sessions[0]!, { token, nodeName: server!.name, advertiseAddr: server!.host });
  await k3sJoin(sessions[1]!, {
    role: 'agent',
    serverAddr: server!.host,
    token,
    nodeName: agent!.name,
    advertiseAddr: agent!.host,
  });
  client = createKubernetesClient({
    // The API server is reached on the server's own loopback, never over the network.
    connect: () => sessions[0]!.openTcpTunnel('127.0.0.1', 6443),
    kubeconfig: await k3sKubeconfig(sessions[0]!, { serverAddr: server!.host }),
  });
  target = createKubernetesTarget({ client, pollMs: 200 });
});

afterAll(async () => {
  await Promise.all((sessions ?? []).map((s) => s.close()));
  await testbed?.destroy();
});

describe('an app on Kubernetes', () => {
  let v1: KubernetesStoredSpec;
  let v1Hash: string;

  it('applies typed objects with server-side apply and judges the rollout complete', async () => {
    const spec = webObjects();
    const progress: string[] = [];
    const result = await target.apply(spec, { onProgress: (detail) => progress.push(detail) });
    expect(result).toMatchObject({ outcome: 'succeeded', restored: false, pruned: [] });
    expect(result.previous).toBeUndefined();
    v1 = result.applied;
    // Judged from the controller's status, not from the apply call: it waited for the pods.
    expect(progress.join('\n')).toMatch(
      /updated replicas are available|new replicas have been updated/,
    );

    const deployment = await kubectl(`get deployment web -n ${namespace} -o json`);
    expect(deployment.metadata.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'flotilla',
      'flotilla.dev/app': webOwner.id,
      'flotilla.dev/owner': `app.${webOwner.id}`,
    });
    expect(deployment.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    expect(deployment.status).toMatchObject({
      observedGeneration: 1,
      updatedReplicas: 2,
      availableReplicas: 2,
    });
    expect(deployment.spec.template.spec.containers[0].envFrom).toEqual([
      { configMapRef: { name: 'web-env' } },
      { secretRef: { name: 'web-env' } },
    ]);
    // Plain env in a ConfigMap, the sealed key only in the Secret.
    const config = await kubectl(`get configmap web-env -n ${namespace} -o json`);
    expect(config.data).toEqual({ GREETING: 'hello' });
    const secret = await kubectl(`get secret web-env -n ${namespace} -o json`);
    expect(Buffer.from(secret.data.API_KEY, 'base64').toString()).toBe('s3cret');
    const service = await kubectl(`get service web -n ${namespace} -o json`);
    expect(service.spec).toMatchObject({
      type: 'ClusterIP',
      ports: [{ port: 80, targetPort: 80 }],
    });
    const ingress = await kubectl(`get ingress web -n ${namespace} -o json`);
    expect(ingress.spec.rules[0]).toMatchObject({ host: 'web.flotilla.test' });
    expect(ingress.spec.ingressClassName).toBe('traefik');

    // Every object went through server-side apply as the flotilla field manager; the Secret's
    // value was never written to the log.
    const log = await appliedLog();
    expect(
      log.filter((e) => e.verb === 'apply' && e.manager === 'flotilla').map((e) => e.name),
    ).toEqual(expect.arrayContaining(['team-a', 'web', 'web-env']));
    expect(JSON.stringify(log)).not.toContain(Buffer.from('s3cret').toString('base64'));

    const pods = await target.pods(namespace, webOwner);
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(pod).toMatchObject({
        phase: 'Running',
        ready: true,
        status: 'Running',
        upToDate: true,
        image: image('1'),
      });
      expect(pod.name).toMatch(/^web-[a-z0-9]{10}-[a-z0-9]{5}$/);
    }
    // Spread over both nodes.
    expect(new Set(pods.map((p) => p.node)).size).toBe(2);
    v1Hash = pods[0]!.revision!;
  });

  it('applying the same objects again changes nothing', async () => {
    const result = await target.apply(webObjects());
    expect(result.outcome).toBe('succeeded');
    const deployment = await kubectl(`get deployment web -n ${namespace} -o json`);
    expect(deployment.metadata.generation).toBe(1);
    expect((await target.pods(namespace, webOwner)).map((p) => p.revision)).toEqual([
      v1Hash,
      v1Hash,
    ]);
  });

  it('rolls out a new image as a new generation, never below the replicas asked for', async () => {
    const { result, samples } = await watchPods(
      webOwner,
      target.apply(webObjects({ image: image('2') })),
    );
    expect(result.outcome).toBe('succeeded');
    expect(result.previous?.objects.find((o) => o.kind === 'Deployment')).toBeDefined();
    const deployment = await kubectl(`get deployment web -n ${namespace} -o json`);
    expect(deployment.metadata.generation).toBe(2);
    expect(deployment.status).toMatchObject({
      observedGeneration: 2,
      updatedReplicas: 2,
      availableReplicas: 2,
    });
    expect(deployment.status.replicas).toBe(2);
    const pods = await target.pods(namespace, webOwner);
    expect(pods.map((p) => [p.image, p.ready, p.upToDate])).toEqual([
      [image('2'), true, true],
      [image('2'), true, true],
    ]);
    expect(pods[0]!.revision).not.toBe(v1Hash);
    // maxUnavailable 0: two ready pods at every moment of the rollout.
    expect(Math.min(...samples.map((s) => s.filter((p) => p.ready).length))).toBeGreaterThanOrEqual(
      2,
    );
  });

  it('fails a broken image with the controller’s reason and puts the previous objects back', async () => {
    const { result, samples } = await watchPods(
      webOwner,
      target.apply(webObjects({ image: image('broken') }, 4)),
    );
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(/exceeded its progress deadline \(ProgressDeadlineExceeded/);
    expect(result.reason).toMatch(/web-[a-z0-9]{10}-[a-z0-9]{5}: CrashLoopBackOff/);
    expect(result.restored).toBe(true);

    // A crash-looping pod is phase Running, and never shown as running or ready.
    const crashing = samples
      .flat()
      .find((p) => p.image === image('broken') && p.status === 'CrashLoopBackOff');
    expect(crashing).toMatchObject({ phase: 'Running', ready: false, upToDate: true });
    // The previous version served throughout.
    expect(
      Math.min(...samples.map((s) => s.filter((p) => p.ready && p.image === image('2')).length)),
    ).toBeGreaterThanOrEqual(2);

    const deployment = await kubectl(`get deployment web -n ${namespace} -o json`);
    expect(deployment.spec.template.spec.containers[0].image).toBe(image('2'));
    const pods = await target.pods(namespace, webOwner);
    expect(pods.map((p) => [p.image, p.ready])).toEqual([
      [image('2'), true],
      [image('2'), true],
    ]);
  });

  it('rolls back to stored objects exactly as they were applied', async () => {
    const result = await target.rollbackTo(v1);
    expect(result.outcome).toBe('succeeded');
    const deployment = await kubectl(`get deployment web -n ${namespace} -o json`);
    expect(deployment.spec.template.spec.containers[0].image).toBe(image('1'));
    // The same template as the first deploy: its ReplicaSet serves again, as a new revision.
    const pods = await target.pods(namespace, webOwner);
    expect(pods.map((p) => p.revision)).toEqual([v1Hash, v1Hash]);
    expect(
      Number(deployment.metadata.annotations['deployment.kubernetes.io/revision']),
    ).toBeGreaterThan(3);
  });

  it('gives up at its deadline, or when cancelled, and puts the previous objects back', async () => {
    // A deadline shorter than the controller's: our own timeout decides, with the pods' words.
    const timedOut = await target.apply(webObjects({ image: image('broken') }, 600), {
      timeoutMs: 2_500,
    });
    expect(timedOut).toMatchObject({ outcome: 'timedOut', restored: true });
    expect(timedOut.reason).toMatch(/^timed out after 2500 ms: .*CrashLoopBackOff/);

    const abort = new AbortController();
    setTimeout(() => abort.abort(), 1_000);
    const cancelled = await target.apply(webObjects({ image: image('broken') }, 600), {
      signal: abort.signal,
    });
    expect(cancelled).toMatchObject({ outcome: 'cancelled', restored: true });

    const deployment = await kubectl(`get deployment web -n ${namespace} -o json`);
    expect(deployment.spec.template.spec.containers[0].image).toBe(image('1'));
    expect((await target.pods(namespace, webOwner)).map((p) => [p.revision, p.ready])).toEqual([
      [v1Hash, true],
      [v1Hash, true],
    ]);
  });

  it('restarts every pod through the restartedAt annotation, and a later apply keeps it', async () => {
    const before = (await target.pods(namespace, webOwner)).map((p) => p.name);
    const started = Date.now();
    const web = { namespace, owner: webOwner, kind: 'Deployment', name: 'web' } as const;
    const result = await target.restart(web, { generation: 1 });
    expect(result.outcome).toBe('succeeded');
    const deployment = await kubectl(`get deployment web -n ${namespace} -o json`);
    const annotations = deployment.spec.template.metadata.annotations;
    expect(Date.parse(annotations['kubectl.kubernetes.io/restartedAt'])).toBeGreaterThanOrEqual(
      started - 1000,
    );
    expect(annotations['flotilla.dev/restart-generation']).toBe('1');
    const after = (await target.pods(namespace, webOwner)).map((p) => p.name);
    expect(after).toHaveLength(2);
    expect(after.filter((name) => before.includes(name))).toEqual([]);

    // The same restart again (a resumed job): watched, not applied a second time.
    expect((await target.restart(web, { generation: 1 })).outcome).toBe('succeeded');
    const same = await kubectl(`get deployment web -n ${namespace} -o json`);
    expect(same.metadata.generation).toBe(deployment.metadata.generation);
    expect(same.spec.template.metadata.annotations).toEqual(annotations);
    expect((await target.pods(namespace, webOwner)).map((p) => p.name)).toEqual(after);

    // Applying the stored v1 again neither drops the annotation nor restarts anything.
    const generation = deployment.metadata.generation;
    expect((await target.apply(v1)).outcome).toBe('succeeded');
    const again = await kubectl(`get deployment web -n ${namespace} -o json`);
    expect(again.metadata.generation).toBe(generation);
    expect(again.spec.template.metadata.annotations).toEqual(annotations);
    expect((await target.pods(namespace, webOwner)).map((p) => p.name)).toEqual(after);
  });

  it('scales at once, and refuses a workload it does not own', async () => {
    const result = await target.scale(
      { namespace, owner: webOwner, kind: 'Deployment', name: 'web' },
      3,
    );
    expect(result.outcome).toBe('succeeded');
    expect(await target.pods(namespace, webOwner)).toHaveLength(3);
    await expect(
      target.scale(
        { namespace, owner: { kind: 'app', id: 'someone_else' }, kind: 'Deployment', name: 'web' },
        1,
      ),
    ).rejects.toMatchObject({ code: 'notFound' });
  });

  it('removes exactly the objects the app owns', async () => {
    const api = buildAppObjects(
      appSpecSchema.parse({
        name: 'api',
        appId: 'app_api1',
        image: image('1'),
        replicas: 1,
        env: { MODE: 'api' },
      }),
      { namespace },
    );
    expect((await target.apply(api)).outcome).toBe('succeeded');
    // Something Flotilla did not make, in the same namespace.
    await client.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'hand-made', namespace },
      data: { note: 'not ours' },
    });

    const { deleted } = await target.remove(namespace, webOwner);
    expect(deleted.sort()).toEqual(
      [
        'ConfigMap/web-env',
        'Deployment/web',
        'Ingress/web',
        'Secret/web-env',
        'Service/web',
      ].sort(),
    );
    expect(names(await kubectl(`get deployments -n ${namespace} -o json`))).toEqual(['api']);
    expect(names(await kubectl(`get configmaps -n ${namespace} -o json`))).toEqual([
      'api-env',
      'hand-made',
    ]);
    expect(names(await kubectl(`get secrets -n ${namespace} -o json`))).toEqual([]);
    expect(names(await kubectl(`get services -n ${namespace} -o json`))).toEqual([]);
    expect(names(await kubectl(`get ingresses -n ${namespace} -o json`))).toEqual([]);
    expect(
      names(await kubectl(`get pods -n ${namespace} -o json`)).every((n) => n.startsWith('api-')),
    ).toBe(true);
    expect(await target.pods(namespace, webOwner)).toEqual([]);
  });
});

describe('a managed database on Kubernetes', () => {
  const owner: Owner = { kind: 'database', id: 'db_pg1' };

  it('runs a StatefulSet with its claim, Secret and headless Service, ready when it answers', async () => {
    const password = randomBytes(12).toString('hex');
    const spec = buildDatabaseObjects(
      {
        id: owner.id,
        name: 'pg',
        engine: 'postgres',
        image: 'registry.flotilla.test/postgres:15',
        password,
      },
      { namespace: 'data' },
    );
    expect(spec.objects.map((o) => o.kind)).toEqual(['Secret', 'Service', 'StatefulSet']);
    const result = await target.apply(spec);
    expect(result.outcome).toBe('succeeded');

    expect(await target.status('data', owner)).toEqual([
      expect.objectContaining({
        kind: 'StatefulSet',
        name: 'pg',
        desired: 1,
        ready: 1,
        verdict: expect.objectContaining({ state: 'complete' }),
      }),
    ]);
    const set = await kubectl('get statefulset pg -n data -o json');
    expect(set.spec.template.spec.containers[0].readinessProbe.exec.command.join(' ')).toContain(
      'pg_isready',
    );
    // The password reaches the image's entrypoint as a file from the Secret, as on Swarm.
    expect(set.spec.template.spec.containers[0].env).toContainEqual({
      name: 'POSTGRES_PASSWORD_FILE',
      value: '/run/secrets/flotilla/postgres-password',
    });
    expect(set.spec.template.spec.volumes).toContainEqual(
      expect.objectContaining({
        name: 'password',
        secret: expect.objectContaining({ secretName: 'pg-credentials', defaultMode: 0o400 }),
      }),
    );
    // The password is only in the Secret.
    expect(JSON.stringify(set)).not.toContain(password);
    const secret = await kubectl('get secret pg-credentials -n data -o json');
    expect(Buffer.from(secret.data.password, 'base64').toString()).toBe(password);
    const service = await kubectl('get service pg -n data -o json');
    expect(service.spec.clusterIP).toBe('None');
    const claim = await kubectl('get pvc data-pg-0 -n data -o json');
    expect(claim.status.phase).toBe('Bound');
    expect(claim.metadata.labels['flotilla.dev/owner']).toBe('database.db_pg1');
    expect(await target.pods('data', owner)).toEqual([
      expect.objectContaining({ name: 'pg-0', phase: 'Running', ready: true, upToDate: true }),
    ]);

    // A change the API server forbids (a claim template is immutable) fails with its words, and
    // what had been applied before the refusal is put back.
    const bigger = buildDatabaseObjects(
      {
        id: owner.id,
        name: 'pg',
        engine: 'postgres',
        image: 'registry.flotilla.test/postgres:15',
        password,
        storage: '5Gi',
      },
      { namespace: 'data' },
    );
    const refused = await target.apply(bigger);
    expect(refused).toMatchObject({ outcome: 'failed', restored: true });
    expect(refused.reason).toMatch(
      /422 StatefulSet\.apps "pg" is invalid: spec: Forbidden: updates to statefulset spec/,
    );
    const unchanged = await kubectl('get statefulset pg -n data -o json');
    expect(unchanged.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('1Gi');
    expect(unchanged.status.readyReplicas).toBe(1);

    // Removed keeping its data: everything but the claim goes.
    const kept = await target.remove('data', owner, { keepClaims: true });
    expect(kept.deleted.sort()).toEqual(['Secret/pg-credentials', 'Service/pg', 'StatefulSet/pg']);
    expect(names(await kubectl('get pvc -n data -o json'))).toEqual(['data-pg-0']);
    expect(names(await kubectl('get statefulset -n data -o json'))).toEqual([]);
    // Removing the database removes its data too (the claim), and nothing else.
    await target.apply(spec);
    const { deleted } = await target.remove('data', owner);
    expect(deleted.sort()).toEqual(
      [
        'PersistentVolumeClaim/data-pg-0',
        'Secret/pg-credentials',
        'Service/pg',
        'StatefulSet/pg',
      ].sort(),
    );
    expect(names(await kubectl('get pvc -n data -o json'))).toEqual([]);
  });
});

describe('a stack on Kubernetes', () => {
  const owner: Owner = { kind: 'stack', id: 'stk_shop' };
  const service = (name: string, tag = '1') =>
    appSpecSchema.parse({
      name,
      appId: owner.id,
      image: `registry.flotilla.test/${name}:${tag}`,
      replicas: 1,
      port: { target: 80 },
    });

  it('applies every service and prunes the ones a new definition no longer has', async () => {
    const first = await target.apply(
      buildStackObjects(
        { id: owner.id, services: [service('web'), service('cache')] },
        { namespace: 'shop' },
      ),
    );
    expect(first.outcome).toBe('succeeded');
    expect(names(await kubectl('get deployments -n shop -o json'))).toEqual(['cache', 'web']);

    const second = await target.apply(
      buildStackObjects(
        { id: owner.id, services: [service('web', '2'), service('worker')] },
        { namespace: 'shop' },
      ),
    );
    expect(second.outcome).toBe('succeeded');
    expect(second.pruned.sort()).toEqual(['Deployment/cache', 'Service/cache']);
    expect(names(await kubectl('get deployments -n shop -o json'))).toEqual(['web', 'worker']);
    expect(names(await kubectl('get services -n shop -o json'))).toEqual(['web', 'worker']);
    expect(
      (await kubectl('get deployment web -n shop -o json')).spec.template.spec.containers[0].image,
    ).toBe('registry.flotilla.test/web:2');
    expect((await target.pods('shop', owner)).map((p) => p.name.split('-')[0]).sort()).toEqual([
      'web',
      'worker',
    ]);
  });
});

describe('validation', () => {
  it('refuses an invalid object before anything is sent, naming the field', async () => {
    const before = (await appliedLog()).length;
    // Built valid, then spoiled: what a stored spec edited by hand or an old release could hold.
    const bad = () =>
      buildAppObjects(
        appSpecSchema.parse({
          name: 'bad',
          appId: 'app_bad',
          image: image('1'),
          port: { target: 80 },
        }),
        { namespace: 'team-b' },
      );
    const spec = bad();
    const service = spec.objects.find((o) => o.kind === 'Service') as Json;
    service.spec.ports[0].port = 70_000;
    const error = await target.apply(spec).catch((e) => e);
    expect(error).toBeInstanceOf(KubernetesValidationError);
    expect(error).toMatchObject({
      code: 'invalid',
      object: 'Service/bad',
      field: 'spec.ports[0].port',
    });

    // A wrong type, caught by the Kubernetes schema itself.
    const typed = bad();
    const deployment = typed.objects.find((o) => o.kind === 'Deployment') as Json;
    deployment.spec.template.spec.containers[0].ports[0].containerPort = 'eighty';
    await expect(target.apply(typed)).rejects.toMatchObject({
      object: 'Deployment/bad',
      field: 'spec.template.spec.containers[0].ports[0].containerPort',
    });
    // And at build time: a domain that is not one.
    expect(() => buildAppObjects(webApp(), { namespace, domain: 'not a domain!' })).toThrow(
      /Ingress\/web: spec\.rules\[0\]\.host/,
    );

    // Nothing reached the API server: no apply recorded, not even the namespace.
    expect((await appliedLog()).length).toBe(before);
    await expect(kubectl('get namespace team-b -o json')).rejects.toThrow(/NotFound/);
  });

  it('a first deploy the API server refuses leaves nothing behind', async () => {
    const owner: Owner = { kind: 'app', id: 'app_half' };
    const spec = buildAppObjects(
      appSpecSchema.parse({ name: 'half', appId: owner.id, image: image('1'), env: { MODE: 'x' } }),
      { namespace },
    );
    // A probe with no handler passes the schema; only the API server refuses it.
    const deployment = spec.objects.find((o) => o.kind === 'Deployment') as Json;
    deployment.spec.template.spec.containers[0].readinessProbe = { periodSeconds: 5 };
    const result = await target.apply(spec);
    expect(result).toMatchObject({ outcome: 'failed', restored: false });
    expect(result.reason).toMatch(/readinessProbe/);
    // The ConfigMap applied before the refusal is gone again.
    await expect(kubectl(`get configmap half-env -n ${namespace} -o json`)).rejects.toThrow(
      /NotFound/,
    );
    expect((await target.live(namespace, owner)).objects).toEqual([]);
  });

  it('the API server refuses what slips past (the stand-in validates too)', async () => {
    const error = await client
      .apply({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'raw', namespace },
        spec: { ports: [{ port: 70_000 }] },
      })
      .catch((e) => e);
    expect(error).toMatchObject({ status: 422, reason: 'Invalid', code: 'invalid' });
    expect(error.causes).toContainEqual(expect.objectContaining({ field: 'spec.ports[0].port' }));
  });
});

describe('the API server’s TLS (the stand-in verifies as k3s does)', () => {
  let kubeconfig: string;
  const probe: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'intruder', namespace },
  };

  /** A CA of our own, named as k3s names its client CA, and an admin certificate it signs. */
  function foreignCredentials() {
    const dir = mkdtempSync(join(tmpdir(), 'foreign-ca-'));
    const openssl = (...args: string[]) =>
      execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'];
    try {
      openssl(
        'req',
        '-x509',
        ...key,
        '-keyout',
        'ca.key',
        '-out',
        'ca.crt',
        '-subj',
        '/CN=k3s-client-ca@1',
      );
      openssl(
        'req',
        '-x509',
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        ...key,
        '-keyout',
        'admin.key',
        '-out',
        'admin.crt',
        '-subj',
        '/O=system:masters/CN=system:admin',
        '-addext',
        'extendedKeyUsage=clientAuth',
      );
      const b64 = (name: string) => readFileSync(join(dir, name)).toString('base64');
      return { ca: b64('ca.crt'), cert: b64('admin.crt'), key: b64('admin.key') };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const clientWith = (config: string) =>
    createKubernetesClient({
      connect: () => sessions[0]!.openTcpTunnel('127.0.0.1', 6443),
      kubeconfig: config,
    });
  const replace = (field: string, value: string) =>
    kubeconfig.replace(new RegExp(`(${field}: )\\S+`), `$1${value}`);

  beforeAll(async () => {
    kubeconfig = await k3sKubeconfig(sessions[0]!, { serverAddr: testbed.hosts[0]!.host });
  });

  it('refuses a request without a client certificate, or with one its client CA did not sign', async () => {
    const withoutCertificate = kubeconfig.replace(
      /\n {2}user:\n {4}client-certificate-data: \S+\n {4}client-key-data: \S+/,
      '\n  user: {}',
    );
    expect(withoutCertificate).not.toContain('client-key-data');
    const foreign = foreignCredentials();
    const foreignClient = replace('client-certificate-data', foreign.cert).replace(
      /(client-key-data: )\S+/,
      `$1${foreign.key}`,
    );
    for (const config of [withoutCertificate, foreignClient]) {
      await expect(clientWith(config).apply(probe)).rejects.toMatchObject({
        status: 401,
        reason: 'Unauthorized',
      });
      await expect(clientWith(config).get('Namespace', undefined, namespace)).rejects.toMatchObject(
        { status: 401 },
      );
    }
    await expect(kubectl(`get configmap intruder -n ${namespace} -o json`)).rejects.toThrow(
      /NotFound/,
    );
    // The cluster's own kubeconfig is let in.
    expect(await clientWith(kubeconfig).get('Namespace', undefined, namespace)).toMatchObject({
      metadata: { name: namespace },
    });
  });

  it('is refused by the client when its certificate is not the kubeconfig CA’s or not for that name', async () => {
    const otherCa = replace('certificate-authority-data', foreignCredentials().ca);
    await expect(clientWith(otherCa).get('Namespace', undefined, namespace)).rejects.toMatchObject({
      code: 'unreachable',
      message: expect.stringMatching(/certificate/),
    });
    // The serving certificate names the server's addresses; 10.255.255.254 is not one of them.
    const otherName = kubeconfig.replace(
      /server: https:\/\/[^:]+:6443/,
      'server: https://10.255.255.254:6443',
    );
    await expect(
      clientWith(otherName).get('Namespace', undefined, namespace),
    ).rejects.toMatchObject({
      code: 'unreachable',
      message: expect.stringMatching(/10\.255\.255\.254 is not in the cert's list/),
    });
  });
});
