import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze, normalize } from './analyze.ts';
import { ComposeError } from './errors.ts';
import { parseCompose } from './parse.ts';
import type { Analysis, Finding } from './schemas.ts';

const fixture = (name: string, variables: Record<string, string> = {}) =>
  parseCompose(readFileSync(new URL(`fixtures/${name}`, import.meta.url)), { variables });

const findingsOf = (analysis: Analysis): Finding[] => [
  ...analysis.findings,
  ...analysis.services.flatMap((service) => service.findings),
];

const at = (analysis: Analysis, path: string) => {
  const found = findingsOf(analysis).filter((finding) => finding.path === path);
  expect(found, `a finding at ${path}`).toHaveLength(1);
  return found[0]!;
};

function refusal(run: () => unknown): ComposeError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ComposeError);
    return error as ComposeError;
  }
  throw new Error('it was accepted');
}

describe('analyze', () => {
  it('finds nothing in the way of a web service and its cache', () => {
    const parsed = fixture('web-cache.yaml', { REGISTRY: '10.201.3.1:5443' });
    const analysis = analyze(parsed);
    expect(analysis.deployable).toEqual({ swarm: true, kubernetes: true });
    expect(analysis.counts.swarm.blocker).toBe(0);
    expect(analysis.counts.swarm.dropped).toBe(0);
    expect(analysis.services.map((service) => service.name)).toEqual(['web', 'cache']);
    expect(at(analysis, 'services.web.depends_on')).toMatchObject({ swarm: 'changed', line: 10 });
    expect(at(analysis, 'services.web.ports.0')).toMatchObject({
      swarm: 'ok',
      kubernetes: 'changed',
    });
    expect(at(analysis, 'volumes.cache-data')).toMatchObject({
      swarm: 'ok',
      kubernetes: 'changed',
    });
  });

  it('names bind mounts, privileged, host-bound ports and file secrets of a WordPress file', () => {
    const analysis = analyze(fixture('wordpress.yaml'));
    expect(at(analysis, 'services.wordpress.volumes.0')).toMatchObject({
      swarm: 'dropped',
      line: 17,
      reason: expect.stringMatching(
        /host path \.\/wp-content does not exist on the cluster's nodes: use a named volume/,
      ),
    });
    expect(at(analysis, 'services.wordpress.volumes.1').reason).toMatch(/Docker socket/);
    expect(at(analysis, 'services.db.privileged')).toMatchObject({
      swarm: 'dropped',
      kubernetes: 'dropped',
      line: 26,
      reason: expect.stringMatching(/cannot run privileged: grant only the capabilities/),
    });
    expect(at(analysis, 'services.db.ports.0')).toMatchObject({
      swarm: 'dropped',
      reason: expect.stringMatching(/cannot bind it to 127\.0\.0\.1/),
    });
    expect(at(analysis, 'secrets.db_password')).toMatchObject({
      swarm: 'dropped',
      reason: expect.stringMatching(
        /the file \.\/db_password\.txt on your machine.*external: true/,
      ),
    });
    expect(at(analysis, 'services.wordpress.secrets.0').swarm).toBe('dropped');
    expect(at(analysis, 'services.wordpress.env_file').swarm).toBe('dropped');
    expect(at(analysis, 'services.wordpress.container_name')).toMatchObject({
      swarm: 'changed',
      reason: expect.stringMatching(/"blog-wordpress" becomes a DNS alias/),
    });
    expect(at(analysis, 'services.wordpress.restart')).toMatchObject({
      swarm: 'changed',
      reason: 'becomes deploy.restart_policy with condition "any"',
    });
    expect(at(analysis, 'services.db.cap_add').swarm).toBe('ok');
    expect(at(analysis, 'services.db.volumes.0').reason).toMatch(
      /local to the node.*placement constraint/,
    );
    expect(at(analysis, 'services.wordpress.image').reason).toMatch(/Docker Hub/);
    expect(at(analysis, 'name').swarm).toBe('changed');
    // Nothing blocks: with consent the rest deploys.
    expect(analysis.deployable.swarm).toBe(true);
  });

  it('blocks a service that only has build, and deploys the image of one that has both', () => {
    const analysis = analyze(fixture('build.yaml'));
    expect(at(analysis, 'services.api.build')).toMatchObject({
      swarm: 'blocker',
      kubernetes: 'blocker',
      reason: expect.stringMatching(/Flotilla deploys images.*set `image`/),
    });
    expect(at(analysis, 'services.worker.build')).toMatchObject({
      swarm: 'changed',
      reason: expect.stringMatching(
        /registry\.example\.com:5443\/team\/worker:2\.1 is deployed and `build` is ignored/,
      ),
    });
    expect(analysis.deployable).toEqual({ swarm: false, kubernetes: false });
  });

  it('judges every key of an anchored file once, extension fields included', () => {
    const analysis = analyze(fixture('anchors.yaml'));
    expect(at(analysis, 'x-defaults').swarm).toBe('changed');
    expect(at(analysis, 'services.api.restart').reason).toBe(
      'becomes deploy.restart_policy with condition "on-failure"',
    );
    expect(analysis.deployable.swarm).toBe(true);
  });

  it('refuses collisions of published ports within the file', () => {
    const parsed = parseCompose(
      'services:\n  a:\n    image: r.example:5000/a:1\n    ports: ["8080:80"]\n  b:\n    image: r.example:5000/b:1\n    ports: [{target: 81, published: 8080, mode: host}]\n  c:\n    image: r.example:5000/c:1\n    ports: ["8080:80/udp"]\n',
    );
    const analysis = analyze(parsed);
    expect(at(analysis, 'services.c.ports.0').swarm).toBe('ok');
    const collisions = findingsOf(analysis).filter((finding) => finding.swarm === 'blocker');
    expect(collisions.map((finding) => finding.path)).toEqual([
      'services.a.ports.0',
      'services.b.ports.0',
    ]);
    expect(collisions[0]?.reason).toMatch(/8080\/tcp is also published by service "b"/);
  });

  it('names network_mode, devices, pid/ipc host, extends, include and unsupported keys', () => {
    const analysis = analyze(
      parseCompose(
        [
          'include: [other.yaml]',
          'services:',
          '  a:',
          '    image: r.example:5000/a:1',
          '    network_mode: host',
          '    devices: ["/dev/ttyUSB0:/dev/ttyUSB0"]',
          '    pid: host',
          '    ipc: host',
          '    sysctls: {net.core.somaxconn: 1024}',
          '    tty: true',
          '    profiles: [debug]',
          '  b:',
          '    extends: {service: a}',
          '    image: r.example:5000/b:1',
        ].join('\n'),
      ),
      { profiles: ['debug'] },
    );
    expect(at(analysis, 'include').swarm).toBe('blocker');
    expect(at(analysis, 'services.a.network_mode')).toMatchObject({ swarm: 'dropped', line: 5 });
    expect(at(analysis, 'services.a.devices').swarm).toBe('dropped');
    expect(at(analysis, 'services.a.pid').swarm).toBe('dropped');
    expect(at(analysis, 'services.a.ipc').swarm).toBe('dropped');
    expect(at(analysis, 'services.a.sysctls').swarm).toBe('dropped');
    expect(at(analysis, 'services.a.tty').swarm).toBe('changed');
    expect(at(analysis, 'services.b.extends')).toMatchObject({
      swarm: 'blocker',
      reason: expect.stringMatching(/docker compose config/),
    });
  });

  it('leaves out services of profiles that are not active, as docker compose does', () => {
    const source =
      'services:\n  a:\n    image: r.example:5000/a:1\n  debug:\n    image: r.example:5000/d:1\n    profiles: [debug]\n';
    const analysis = analyze(parseCompose(source));
    expect(at(analysis, 'services.debug.profiles')).toMatchObject({
      swarm: 'changed',
      reason: expect.stringMatching(/not deployed/),
    });
    const { definition } = normalize(parseCompose(source), analysis, { drop: false });
    expect(Object.keys(definition.services)).toEqual(['a']);
    const withDebug = analyze(parseCompose(source), { profiles: ['debug'] });
    const enabled = normalize(parseCompose(source), withDebug, {
      drop: false,
      profiles: ['debug'],
    });
    expect(Object.keys(enabled.definition.services)).toEqual(['a', 'debug']);
  });

  it('has no side effects: the same file gives the same analysis', () => {
    const parsed = fixture('wordpress.yaml');
    expect(analyze(parsed)).toEqual(analyze(parsed));
  });
});

describe('normalize', () => {
  it('turns web + cache into the stack definition with Flotilla update rules', () => {
    const parsed = fixture('web-cache.yaml', { REGISTRY: '10.201.3.1:5443' });
    const { definition, yaml, dropped } = normalize(parsed, analyze(parsed), { drop: false });
    expect(dropped).toEqual([]);
    const web = definition.services.web!;
    expect(web).toMatchObject({
      image: '10.201.3.1:5443/echo:1',
      replicas: 2,
      env: { CACHE_URL: 'redis://cache:6379', GREETING: 'hello' },
      ports: [{ target: 80, published: 8080, protocol: 'tcp', mode: 'ingress' }],
      resources: { limits: { cpus: 0.5, memoryBytes: 128 * 1024 * 1024 } },
      healthcheck: {
        test: ['CMD', '/bin/busybox', 'wget', '-q', '-O-', 'http://127.0.0.1/'],
        intervalMs: 10_000,
        timeoutMs: 3_000,
        retries: 3,
      },
      restart: { condition: 'any', delayMs: 5_000, maxAttempts: 0 },
      // Watched for as long as the healthcheck needs to fail a task: 10 s × 3.
      update: {
        order: 'start-first',
        failureAction: 'rollback',
        monitorMs: 30_000,
        parallelism: 1,
      },
      rollback: { failureAction: 'pause' },
    });
    expect(definition.services.cache).toMatchObject({
      command: ['redis-server', '--appendonly', 'yes'],
      volumes: [{ type: 'volume', source: 'cache-data', target: '/data', readOnly: false }],
      placement: { constraints: ['node.role == manager'] },
    });
    expect(definition.volumes).toEqual({
      'cache-data': { external: false, driverOpts: {}, labels: {} },
    });
    expect(yaml).toMatch(/^version: "3\.8"\n/);
  });

  it('refuses a file with dropped parts unless told to drop them, naming each with its line', () => {
    const parsed = fixture('wordpress.yaml');
    const analysis = analyze(parsed);
    const error = refusal(() => normalize(parsed, analysis, { drop: false }));
    expect(error.code).toBe('invalid');
    expect(error.message).toMatch(/import with drop to leave them out/);
    expect(error.issues).toContainEqual(
      expect.objectContaining({ path: 'services.db.privileged', line: 26 }),
    );
    expect(error.issues).toContainEqual(
      expect.objectContaining({ path: 'services.wordpress.volumes.0', line: 17 }),
    );
  });

  it('drops what the analysis said, and keeps the rest', () => {
    const parsed = fixture('wordpress.yaml');
    const { definition, yaml, dropped } = normalize(parsed, analyze(parsed), { drop: true });
    expect(dropped.map((finding) => finding.path)).toEqual(
      expect.arrayContaining([
        'services.db.privileged',
        'services.wordpress.volumes.0',
        'secrets.db_password',
      ]),
    );
    const wordpress = definition.services.wordpress!;
    expect(wordpress.volumes).toEqual([]);
    expect(wordpress.secrets).toEqual([]);
    expect(wordpress.networks).toEqual({ default: { aliases: ['blog-wordpress'] } });
    expect(wordpress.restart.condition).toBe('any');
    const db = definition.services.db!;
    expect(db.ports).toEqual([]);
    expect(db.capAdd).toEqual(['SYS_NICE']);
    expect(db.volumes).toEqual([
      { type: 'volume', source: 'db-data', target: '/var/lib/mysql', readOnly: false },
    ]);
    expect(db.healthcheck?.test).toEqual(['CMD-SHELL', 'mysqladmin ping -h 127.0.0.1']);
    expect(definition.secrets).toEqual({});
    expect(yaml).not.toMatch(
      /privileged|wp-content|docker\.sock|db_password\.txt|container_name|env_file/,
    );
  });

  it('refuses blockers whatever drop says', () => {
    const parsed = fixture('build.yaml');
    const error = refusal(() => normalize(parsed, analyze(parsed), { drop: true }));
    expect(error.message).toMatch(/cannot be deployed on Swarm/);
    expect(error.issues).toEqual([
      expect.objectContaining({ path: 'services.api.build', line: 3 }),
    ]);
  });

  it('refuses an analysis made of another file', () => {
    const web = fixture('web-cache.yaml', { REGISTRY: '10.201.3.1:5443' });
    const other = fixture('web-cache.yaml', { REGISTRY: '10.201.4.1:5443' });
    expect(refusal(() => normalize(other, analyze(web), { drop: false })).message).toMatch(
      /another compose file/,
    );
  });

  it('decides with the Kubernetes verdicts when asked', () => {
    const parsed = fixture('web-cache.yaml', { REGISTRY: '10.201.3.1:5443' });
    const error = refusal(() =>
      normalize(parsed, analyze(parsed), { drop: false, orchestrator: 'kubernetes' }),
    );
    expect(error.issues).toEqual([
      expect.objectContaining({ path: 'services.cache.deploy.placement' }),
    ]);
  });

  it('carries restart, scale, mem_limit and tmpfs over in their Swarm form', () => {
    const parsed = parseCompose(
      'services:\n  a:\n    image: r.example:5000/a:1\n    restart: "on-failure:3"\n    scale: 3\n    mem_limit: 1g\n    cpus: 1.5\n    tmpfs: ["/run:size=64m"]\n    stop_grace_period: 1m30s\n',
    );
    const service = normalize(parsed, analyze(parsed), { drop: false }).definition.services.a!;
    expect(service).toMatchObject({
      replicas: 3,
      restart: { condition: 'on-failure', maxAttempts: 3 },
      resources: { limits: { memoryBytes: 1024 ** 3, cpus: 1.5 } },
      volumes: [{ type: 'tmpfs', target: '/run', sizeBytes: 64 * 1024 ** 2 }],
      stopGracePeriodMs: 90_000,
    });
  });

  it('updates host-mode services stop-first: one task per node can hold the port', () => {
    const parsed = parseCompose(
      'services:\n  a:\n    image: r.example:5000/a:1\n    ports: [{target: 80, published: 8080, mode: host}]\n',
    );
    const service = normalize(parsed, analyze(parsed), { drop: false }).definition.services.a!;
    expect(service.update.order).toBe('stop-first');
  });
});
