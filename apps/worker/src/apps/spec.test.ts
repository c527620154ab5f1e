import { randomBytes } from 'node:crypto';
import { buildServiceSpec, type StoredSpec } from '@flotilla/deploy';
import { appSecretEnvContext, createSealer } from '@flotilla/secrets';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../engine.ts';
import type { AppRow } from './records.ts';
import {
  appSpecOf,
  deploymentLabel,
  deploymentOf,
  markedAs,
  openStoredSpec,
  reappliedAs,
  sealStoredSpec,
} from './spec.ts';

const sealer = createSealer(randomBytes(32));
const engine = {
  sealer,
  settings: { apps: { publishMode: 'host', pendingTimeoutMs: 60_000, pollMs: 500 } },
} as unknown as Engine;

const app = {
  id: 'app_web',
  serviceName: 'web',
  replicas: 3,
  port: 80,
  publishedPort: { port: 30_000 },
  command: [],
  env: { GREETING: 'hello' },
  secretEnvEncrypted: sealer.seal(
    JSON.stringify({ API_KEY: 's3cret=with=equals' }),
    appSecretEnvContext('app_web'),
  ),
} as unknown as AppRow;

const digest = `sha256:${'a'.repeat(64)}`;

function stored(): StoredSpec {
  const spec = appSpecOf(engine, app, 'registry.test:5443/team/web:v1');
  return markedAs(
    {
      orchestrator: 'swarm',
      image: spec.image,
      spec: buildServiceSpec(spec, { digest }),
    },
    'dep_1',
  );
}

describe('the spec of a deployment', () => {
  it('is the app row: env with its secret values, the published port in the configured mode', () => {
    const spec = appSpecOf(engine, app, 'registry.test:5443/team/web:v1');
    expect(spec).toMatchObject({
      name: 'web',
      appId: 'app_web',
      replicas: 3,
      env: { GREETING: 'hello', API_KEY: 's3cret=with=equals' },
      port: { target: 80, published: 30_000, mode: 'host' },
    });
  });

  it("runs the app's command in place of the image's CMD, and the image's own without one", () => {
    const command = ['/bin/busybox', 'httpd', '-f', '-p', '80'];
    const spec = buildServiceSpec(
      appSpecOf(engine, { ...app, command } as AppRow, 'registry.test:5443/web:v1'),
      { digest },
    );
    expect(spec.TaskTemplate.ContainerSpec.Args).toEqual(command);
    expect(spec.TaskTemplate.ContainerSpec.Command).toBeUndefined();
    expect(stored().spec.TaskTemplate.ContainerSpec.Args).toBeUndefined();
  });

  it('names its deployment on the service and on every task', () => {
    const spec = stored().spec;
    expect(deploymentOf(spec)).toBe('dep_1');
    expect(spec.TaskTemplate.ContainerSpec.Labels?.[deploymentLabel]).toBe('dep_1');
    // The ownership labels stay.
    expect(spec.TaskTemplate.ContainerSpec.Labels?.['dev.flotilla.app-id']).toBe('app_web');
  });

  it('is stored without its secret values, which come back sealed to the deployment', () => {
    const original = stored();
    const sealed = sealStoredSpec(engine, 'dep_1', original, ['API_KEY']);
    const text = JSON.stringify(sealed.spec);
    expect(text).not.toContain('s3cret');
    expect(text).toContain('GREETING=hello');
    expect(sealed.secretEnvEncrypted).not.toContain('s3cret');
    const opened = openStoredSpec(engine, {
      id: 'dep_1',
      spec: sealed.spec as never,
      secretEnvEncrypted: sealed.secretEnvEncrypted,
    });
    // Exactly what was applied, env order included: re-applying it changes nothing.
    expect(opened.stored).toEqual(original);
    expect(opened.secretNames).toEqual(['API_KEY']);
    // Sealed to that deployment: another row cannot open it.
    expect(() =>
      openStoredSpec(engine, {
        id: 'dep_2',
        spec: sealed.spec as never,
        secretEnvEncrypted: sealed.secretEnvEncrypted,
      }),
    ).toThrow();
  });

  it('re-applied by a rollback, carries the rollback’s id and the app’s replica count now', () => {
    const again = reappliedAs(stored(), 'dep_9', 5);
    expect(deploymentOf(again.spec)).toBe('dep_9');
    expect(again.spec.TaskTemplate.ContainerSpec.Labels?.[deploymentLabel]).toBe('dep_9');
    expect(again.spec.Mode).toEqual({ Replicated: { Replicas: 5 } });
    expect(again.spec.TaskTemplate.ContainerSpec.Image).toBe(
      `registry.test:5443/team/web:v1@${digest}`,
    );
  });
});
