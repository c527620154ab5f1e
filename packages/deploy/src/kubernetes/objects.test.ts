import { describe, expect, it } from 'vitest';
import { appSpecSchema } from '../app.ts';
import { engineProfiles } from '../databases/engines.ts';
import {
  buildAppObjects,
  buildDatabaseObjects,
  buildStackObjects,
  databaseSecretsPath,
} from './objects.ts';
import type { KubeObject } from './resources.ts';
import { validateObject } from './validate.ts';

// biome-ignore lint/suspicious/noExplicitAny: reading built objects.
type Json = any;

const app = (overrides: object = {}) =>
  appSpecSchema.parse({
    name: 'web',
    appId: 'app1',
    image: 'registry.test:5000/team/web:1',
    replicas: 2,
    port: { target: 8080 },
    env: { A: '1', TOKEN: 't0ken' },
    ...overrides,
  });

const find = (objects: KubeObject[], kind: string) => objects.find((o) => o.kind === kind) as Json;

describe('buildAppObjects', () => {
  it('labels every object with its owner, and selects pods by what never changes', () => {
    const { objects, owner } = buildAppObjects(app(), {
      namespace: 'ns',
      secretEnv: ['TOKEN'],
      domain: 'web.test',
    });
    expect(owner).toEqual({ kind: 'app', id: 'app1' });
    expect(objects.map((o) => o.kind)).toEqual([
      'ConfigMap',
      'Secret',
      'Service',
      'Deployment',
      'Ingress',
    ]);
    for (const object of objects) {
      expect(object.metadata).toMatchObject({
        namespace: 'ns',
        labels: {
          'app.kubernetes.io/managed-by': 'flotilla',
          'flotilla.dev/app': 'app1',
          'flotilla.dev/owner': 'app.app1',
        },
      });
    }
    expect(find(objects, 'Deployment').spec.selector.matchLabels).toEqual({
      'flotilla.dev/owner': 'app.app1',
      'app.kubernetes.io/name': 'web',
    });
    expect(find(objects, 'ConfigMap').data).toEqual({ A: '1' });
    expect(find(objects, 'Secret').data).toEqual({
      TOKEN: Buffer.from('t0ken').toString('base64'),
    });
  });

  it('changes the pod template when only the env changes, so the pods roll', () => {
    const hash = (env: object) =>
      find(buildAppObjects(app({ env }), { namespace: 'ns' }).objects, 'Deployment').spec.template
        .metadata.annotations['flotilla.dev/config-hash'];
    expect(hash({ A: '1' })).toBe(hash({ A: '1' }));
    expect(hash({ A: '2' })).not.toBe(hash({ A: '1' }));
  });

  it('publishes a published port through a LoadBalancer service, a private one as ClusterIP', () => {
    const service = (port: object) =>
      find(buildAppObjects(app({ port }), { namespace: 'ns' }).objects, 'Service');
    expect(service({ target: 8080 }).spec).toMatchObject({
      type: 'ClusterIP',
      ports: [{ port: 8080, targetPort: 8080 }],
    });
    expect(service({ target: 8080, published: 80 }).spec).toMatchObject({
      type: 'LoadBalancer',
      ports: [{ port: 80, targetPort: 8080 }],
    });
  });

  it('hands registry credentials only to images of that registry', () => {
    const registry = { server: 'registry.test:5000', username: 'u', password: 'p' };
    const own = buildAppObjects(app(), { namespace: 'ns', registry }).objects;
    const pull = own.find((o) => o.metadata.name === 'web-registry') as Json;
    expect(pull.type).toBe('kubernetes.io/dockerconfigjson');
    expect(
      JSON.parse(Buffer.from(pull.data['.dockerconfigjson'], 'base64').toString()).auths[
        'registry.test:5000'
      ],
    ).toMatchObject({
      username: 'u',
    });
    expect(find(own, 'Deployment').spec.template.spec.imagePullSecrets).toEqual([
      { name: 'web-registry' },
    ]);
    const other = buildAppObjects(app({ image: 'elsewhere.test/web:1' }), {
      namespace: 'ns',
      registry,
    }).objects;
    expect(other.some((o) => o.metadata.name === 'web-registry')).toBe(false);
  });

  it('refuses what the API server would, naming the object and field', () => {
    expect(() => buildAppObjects(app({ appId: 'x'.repeat(64) }), { namespace: 'ns' })).toThrow(
      /ConfigMap\/web-env: metadata\.labels\[flotilla\.dev\/app\]: .* is not a valid label value/,
    );
    expect(() =>
      buildAppObjects(app({ port: undefined }), { namespace: 'ns', domain: 'web.test' }),
    ).toThrow(/^port:/);
    expect(() => buildAppObjects(app(), { namespace: 'Not_A_Namespace' })).toThrow(
      /metadata\.namespace/,
    );
  });
});

describe('buildStackObjects', () => {
  it('owns every service’s objects by the stack, and refuses a name used twice', () => {
    const spec = buildStackObjects(
      { id: 'stk1', services: [app({ name: 'web' }), app({ name: 'cache' })] },
      { namespace: 'shop' },
    );
    expect(
      spec.objects.every((o) => o.metadata.labels?.['flotilla.dev/owner'] === 'stack.stk1'),
    ).toBe(true);
    expect(spec.objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name)).toEqual(
      ['web', 'cache'],
    );
    expect(() =>
      buildStackObjects(
        { id: 'stk1', services: [app({ name: 'web' }), app({ name: 'web' })] },
        { namespace: 'shop' },
      ),
    ).toThrow(/services\[1\]\.name: web is used twice/);
  });
});

describe('buildDatabaseObjects', () => {
  it('keeps the password in the Secret only, for both engines', () => {
    for (const engine of ['postgres', 'redis'] as const) {
      const { objects } = buildDatabaseObjects(
        { id: 'db1', name: 'db', engine, image: `registry.test/${engine}:1`, password: 'pa55word' },
        { namespace: 'data' },
      );
      const secret = find(objects, 'Secret');
      expect(Buffer.from(secret.data.password, 'base64').toString()).toBe('pa55word');
      expect(JSON.stringify(objects.filter((o) => o.kind !== 'Secret'))).not.toContain('pa55word');
      const set = find(objects, 'StatefulSet');
      expect(set.spec).toMatchObject({ replicas: 1, serviceName: 'db' });
      expect(set.spec.volumeClaimTemplates[0].metadata.labels['flotilla.dev/owner']).toBe(
        'database.db1',
      );
      expect(find(objects, 'Service').spec.clusterIP).toBe('None');
    }
  });

  it('runs the image as on Swarm: its entrypoint, the password as a 0400 file, the same probe', () => {
    const { objects } = buildDatabaseObjects(
      {
        id: 'db1',
        name: 'orders',
        engine: 'postgres',
        image: 'registry.test/postgres:15',
        password: 'pa55word',
        user: 'app',
        database: 'app',
      },
      { namespace: 'data' },
    );
    const pod = find(objects, 'StatefulSet').spec.template.spec;
    const [container] = pod.containers;
    // No command or args: the image's entrypoint initialises the data directory.
    expect(container.command).toBeUndefined();
    expect(container.args).toBeUndefined();
    expect(container.env).toEqual([
      { name: 'POSTGRES_USER', value: 'app' },
      { name: 'POSTGRES_DB', value: 'app' },
      { name: 'POSTGRES_PASSWORD_FILE', value: `${databaseSecretsPath}/postgres-password` },
    ]);
    expect(container.env.some((e: Json) => e.valueFrom)).toBe(false);
    expect(pod.volumes).toEqual([
      {
        name: 'password',
        secret: {
          secretName: 'orders-credentials',
          defaultMode: 0o400,
          items: [{ key: 'password', path: 'postgres-password' }],
        },
      },
    ]);
    expect(container.volumeMounts).toContainEqual({
      name: 'password',
      mountPath: databaseSecretsPath,
      readOnly: true,
    });
    expect(container.readinessProbe.exec.command).toEqual(
      engineProfiles.postgres.probe({ user: 'app', database: 'app' }),
    );
    // Postgres's fast shutdown before the kubelet's SIGTERM.
    expect(container.lifecycle.preStop.exec.command).toEqual(['/bin/sh', '-c', 'kill -INT 1']);
    expect(pod.automountServiceAccountToken).toBe(false);

    const redis = find(
      buildDatabaseObjects(
        { id: 'db2', name: 'cache', engine: 'redis', image: 'r/redis:7', password: 'pa55word' },
        { namespace: 'data' },
      ).objects,
      'StatefulSet',
    ).spec.template.spec.containers[0];
    expect(redis.env).toEqual([
      { name: 'REDIS_PASSWORD_FILE', value: `${databaseSecretsPath}/redis-password` },
    ]);
    expect(redis.readinessProbe.exec.command).toEqual(
      engineProfiles.redis.probe({ user: '', database: '' }),
    );
    expect(redis.lifecycle).toBeUndefined();
  });

  it('refuses a name whose pods the StatefulSet controller could never create', () => {
    const build = (name: string) =>
      buildDatabaseObjects(
        { id: 'db1', name, engine: 'redis', image: 'r/redis:7', password: 'p' },
        { namespace: 'data' },
      );
    expect(build('a'.repeat(52)).objects).toHaveLength(3);
    expect(() => build('a'.repeat(53))).toThrow(
      /StatefulSet\/a{53}: metadata\.name: .* longer than 52 characters/,
    );
  });
});

describe('validateObject', () => {
  const service = (ports: object[]): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'ns' },
    spec: { ports },
  });

  it('reports schema and API-server problems by field', () => {
    expect(() => validateObject(service([{ port: 'http' }]))).toThrow(
      /Service\/web: spec\.ports\[0\]\.port: must be integer/,
    );
    expect(() => validateObject(service([{ port: 0 }]))).toThrow(
      /spec\.ports\[0\]\.port: 0 is not a port/,
    );
    expect(() => validateObject({ ...service([{ port: 80 }]), apiVersion: 'v2' })).toThrow(
      /apiVersion/,
    );
    expect(() =>
      validateObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }),
    ).toThrow(/kind/);
    expect(validateObject(service([{ port: 80, targetPort: 'http' }]))).toBeDefined();
  });
});
