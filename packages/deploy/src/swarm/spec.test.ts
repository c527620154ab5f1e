import { describe, expect, it } from 'vitest';
import { appSpecSchema, parseImageReference, pinnedImage } from '../app.ts';
import { buildServiceSpec, monitorMs, updateOrder } from './spec.ts';

const digest = `sha256:${'ab'.repeat(32)}`;
const base = { name: 'api', appId: 'app_1', image: 'registry.example.com:5000/team/api:v2' };

describe('image references', () => {
  it('pins a tag by digest and keeps the tag readable', () => {
    expect(pinnedImage(base.image, digest)).toBe(`registry.example.com:5000/team/api:v2@${digest}`);
    expect(parseImageReference('team/api')).toEqual({ path: 'team/api' });
    expect(parseImageReference('Not A Reference')).toBeNull();
  });
});

describe('Swarm service spec', () => {
  it('builds a proven-rollout spec: pinned image, rollback on failure, ownership labels', () => {
    const app = appSpecSchema.parse({
      ...base,
      replicas: 3,
      env: { B: '2', A: '1' },
      port: { target: 3000, published: 8080 },
    });
    const spec = buildServiceSpec(app, { digest });
    expect(spec).toMatchObject({
      Name: 'api',
      Labels: { 'dev.flotilla.managed': 'true', 'dev.flotilla.app-id': 'app_1' },
      Mode: { Replicated: { Replicas: 3 } },
      UpdateConfig: {
        Order: 'start-first',
        FailureAction: 'rollback',
        Monitor: 5_000_000_000,
        MaxFailureRatio: 0,
      },
      RollbackConfig: { Order: 'start-first', FailureAction: 'pause' },
      EndpointSpec: {
        Ports: [{ TargetPort: 3000, PublishedPort: 8080, PublishMode: 'ingress', Protocol: 'tcp' }],
      },
    });
    expect(spec.TaskTemplate.ContainerSpec).toMatchObject({
      Image: `registry.example.com:5000/team/api:v2@${digest}`,
      Env: ['A=1', 'B=2'],
      Labels: { 'dev.flotilla.app-id': 'app_1' },
    });
    expect(spec.TaskTemplate.ForceUpdate).toBe(0);
  });

  it('watches each task at least as long as its healthcheck needs to fail it', () => {
    const app = appSpecSchema.parse({
      ...base,
      healthcheck: {
        command: 'wget -qO- localhost',
        intervalMs: 2_000,
        retries: 4,
        startPeriodMs: 3_000,
      },
    });
    expect(monitorMs(app)).toBe(11_000);
    const spec = buildServiceSpec(app, { digest });
    expect(spec.UpdateConfig?.Monitor).toBe(11_000_000_000);
    expect(spec.RollbackConfig?.Monitor).toBe(11_000_000_000);
    expect(spec.TaskTemplate.ContainerSpec.Healthcheck).toEqual({
      Test: ['CMD-SHELL', 'wget -qO- localhost'],
      Interval: 2_000_000_000,
      Timeout: 3_000_000_000,
      Retries: 4,
      StartPeriod: 3_000_000_000,
    });
  });

  it('updates host-mode ports stop-first (one task per node can hold the port)', () => {
    const host = appSpecSchema.parse({
      ...base,
      port: { target: 80, published: 80, mode: 'host' },
    });
    expect(updateOrder(host)).toBe('stop-first');
    const forced = appSpecSchema.parse({
      ...base,
      port: { target: 80, mode: 'host' },
      update: { order: 'start-first' },
    });
    expect(updateOrder(forced)).toBe('start-first');
  });

  it('rejects bad input naming the field', () => {
    const result = appSpecSchema.safeParse({
      ...base,
      name: 'Bad_Name',
      replicas: 101,
      env: { '1X': 'a' },
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['name', 'replicas', 'env.1X']));
  });
});
