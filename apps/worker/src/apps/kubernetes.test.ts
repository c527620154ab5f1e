import { randomBytes } from 'node:crypto';
import type { KubeObject } from '@flotilla/deploy';
import { appSecretEnvContext, createSealer } from '@flotilla/secrets';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../engine.ts';
import {
  appObjectsOf,
  deploymentOf,
  openKubernetesSpec,
  reappliedAs,
  sealKubernetesSpec,
} from './kubernetes.ts';
import type { AppRow } from './records.ts';

const sealer = createSealer(randomBytes(32));
const engine = {
  sealer,
  settings: {
    apps: {
      publishMode: 'host',
      pendingTimeoutMs: 60_000,
      pollMs: 500,
      progressDeadlineSeconds: 30,
    },
  },
} as unknown as Engine;

const app = {
  id: 'app_web',
  serviceName: 'web',
  replicas: 3,
  command: [],
  port: 80,
  domain: 'web.example.test',
  publishedPort: { port: 30_000 },
  env: { GREETING: 'hello' },
  secretEnvEncrypted: sealer.seal(
    JSON.stringify({ API_KEY: 's3cret=with=equals' }),
    appSecretEnvContext('app_web'),
  ),
} as unknown as AppRow;

const registry = { server: 'registry.test:5443', username: 'ci', password: 'registry-pass' };
const image = `registry.test:5443/team/web:v1@sha256:${'a'.repeat(64)}`;

// biome-ignore lint/suspicious/noExplicitAny: reading built objects.
type Json = any;
const find = (objects: KubeObject[], kind: string, name?: string) =>
  objects.find((o) => o.kind === kind && (!name || o.metadata.name === name)) as Json;

const built = () =>
  appObjectsOf(engine, app, image, 'registry.test:5443/team/web:v1', 'dep_1', registry);

describe('the objects of a deployment on Kubernetes', () => {
  it('are the app row: env split into ConfigMap and Secret, a pull secret, an Ingress, the deadline', () => {
    const spec = built();
    expect(spec).toMatchObject({
      orchestrator: 'kubernetes',
      namespace: 'flotilla-apps',
      owner: { kind: 'app', id: 'app_web' },
      image: 'registry.test:5443/team/web:v1',
    });
    expect(spec.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/web-env',
      'Secret/web-env',
      'Secret/web-registry',
      'Service/web',
      'Deployment/web',
      'Ingress/web',
    ]);
    const deployment = find(spec.objects, 'Deployment');
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.progressDeadlineSeconds).toBe(30);
    expect(deployment.spec.template.spec.containers[0].image).toBe(image);
    expect(find(spec.objects, 'Ingress').spec.rules[0].host).toBe('web.example.test');
    // The deployment that applied them is on the Deployment, not on its pod template (which
    // would roll the pods for nothing).
    expect(deploymentOf(deployment)).toBe('dep_1');
    expect(deployment.spec.template.metadata.annotations['flotilla.dev/deployment-id']).toBe(
      undefined,
    );
  });

  it('are stored without Secret data: env values sealed to the deployment, registry credentials not at all', () => {
    const original = built();
    const sealed = sealKubernetesSpec(engine, 'dep_1', original);
    const text = JSON.stringify(sealed.spec);
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain(Buffer.from('s3cret=with=equals').toString('base64'));
    expect(text).not.toContain('registry-pass');
    expect(text).not.toContain(Buffer.from('ci:registry-pass').toString('base64'));
    expect(text).toContain('"GREETING":"hello"');
    expect(sealed.secretEnvEncrypted).not.toContain('s3cret');

    const row = {
      id: 'dep_1',
      spec: sealed.spec as never,
      secretEnvEncrypted: sealed.secretEnvEncrypted,
    };
    const opened = openKubernetesSpec(engine, row);
    // Exactly what was applied, but the pull secret, which is made from today's credentials.
    expect(find(opened.objects, 'Secret', 'web-env')).toEqual(
      find(original.objects, 'Secret', 'web-env'),
    );
    expect(find(opened.objects, 'Secret', 'web-registry').data).toBeUndefined();
    expect(opened.objects.filter((o) => o.metadata.name !== 'web-registry')).toEqual(
      original.objects.filter((o) => o.metadata.name !== 'web-registry'),
    );
    // Sealed to that deployment: another row cannot open it.
    expect(() => openKubernetesSpec(engine, { ...row, id: 'dep_2' })).toThrow();
  });

  it('re-applied by a rollback, carry the rollback’s id and the app’s replica count now', () => {
    const again = reappliedAs(built(), 'dep_9', 5);
    const deployment = find(again.objects, 'Deployment');
    expect(deploymentOf(deployment)).toBe('dep_9');
    expect(deployment.spec.replicas).toBe(5);
    expect(deployment.spec.template).toEqual(find(built().objects, 'Deployment').spec.template);
  });
});
