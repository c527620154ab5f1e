// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose files write ${VAR} in plain strings
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { analyze, normalize } from './analyze.ts';
import { type ComposeFile, parseCompose } from './parse.ts';
import { renderStack } from './render.ts';
import type { StackDefinition } from './schemas.ts';

const fixture = (name: string, variables: Record<string, string> = {}) =>
  parseCompose(readFileSync(new URL(`fixtures/${name}`, import.meta.url)), { variables });

function definitionOf(compose: ComposeFile | ReturnType<typeof parseCompose>): StackDefinition {
  return normalize(compose, analyze(compose), { drop: true }).definition;
}

const scratch = mkdtempSync(join(tmpdir(), 'flotilla-compose-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * What the Docker CLI makes of a file, through its own loader and version-3 schema:
 * `docker stack config` reads and checks the file without talking to an engine (DOCKER_HOST
 * points nowhere to make sure of it).
 */
function dockerStackConfig(yaml: string): Record<string, unknown> {
  const file = join(scratch, `stack-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  const output = execFileSync('docker', ['stack', 'config', '--compose-file', file], {
    env: {
      PATH: process.env.PATH,
      HOME: scratch,
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
      DOCKER_CONFIG: scratch,
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return parse(output) as Record<string, unknown>;
}

describe('renderStack', () => {
  it('writes a file docker stack deploy reads back as the same services', () => {
    const definition = definitionOf(fixture('web-cache.yaml', { REGISTRY: '10.201.3.1:5443' }));
    const loaded = dockerStackConfig(renderStack(definition)) as {
      version: string;
      services: Record<string, Record<string, unknown>>;
      volumes: Record<string, unknown>;
    };
    expect(loaded.version).toBe('3.8');
    expect(Object.keys(loaded.services).sort()).toEqual(['cache', 'web']);
    expect(loaded.services.web).toMatchObject({
      image: '10.201.3.1:5443/echo:1',
      environment: { CACHE_URL: 'redis://cache:6379', GREETING: 'hello' },
      ports: [{ mode: 'ingress', target: 80, published: 8080, protocol: 'tcp' }],
      deploy: {
        replicas: 2,
        update_config: { order: 'start-first', failure_action: 'rollback', monitor: '30s' },
        resources: { limits: { cpus: '0.5', memory: String(128 * 1024 * 1024) } },
      },
    });
    expect(loaded.services.cache).toMatchObject({
      command: ['redis-server', '--appendonly', 'yes'],
    });
    expect(Object.keys(loaded.volumes)).toEqual(['cache-data']);
  });

  it('keeps a "$" in a value as written: docker stack deploy substitutes variables again', () => {
    const definition = definitionOf(
      parseCompose(
        'services:\n  a:\n    image: r.example:5000/a:1\n    environment:\n      PASSWORD: "pa$$word${X}"\n',
        {
          variables: { X: '${HOME}' },
        },
      ),
    );
    expect(definition.services.a?.env.PASSWORD).toBe('pa$word${HOME}');
    const loaded = dockerStackConfig(renderStack(definition)) as {
      services: { a: { environment: Record<string, string> } };
    };
    expect(loaded.services.a.environment.PASSWORD).toBe('pa$word${HOME}');
  });

  it('writes what remains of the WordPress file after dropping, in a form Docker accepts', () => {
    const loaded = dockerStackConfig(renderStack(definitionOf(fixture('wordpress.yaml')))) as {
      services: Record<string, Record<string, unknown>>;
    };
    expect(loaded.services.wordpress).toMatchObject({
      networks: { default: { aliases: ['blog-wordpress'] } },
      ports: [{ target: 80, published: 80 }],
    });
    expect(loaded.services.db).toMatchObject({ cap_add: ['SYS_NICE'] });
    expect(loaded.services.db).not.toHaveProperty('privileged');
  });

  it('gives back the same definition when its rendered file is imported again', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,14}$/);
    const envKey = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,19}$/);
    const text = fc.string({ unit: 'grapheme', maxLength: 40 });
    const duration = fc.integer({ min: 1, max: 600 }).map((seconds) => `${seconds}s`);
    const service = fc.record(
      {
        image: fc.constantFrom(
          'r.example:5000/a:1',
          '10.201.0.1:5443/echo:1',
          `team/app@sha256:${'a'.repeat(64)}`,
        ),
        command: fc.array(text, { maxLength: 4 }),
        entrypoint: fc.array(text, { minLength: 1, maxLength: 3 }),
        environment: fc.dictionary(envKey, text, { maxKeys: 6 }),
        labels: fc.dictionary(fc.stringMatching(/^[a-z][a-z.]{0,15}$/), text, { maxKeys: 3 }),
        ports: fc
          .uniqueArray(fc.integer({ min: 1, max: 65_535 }), { maxLength: 3 })
          .map((targets) =>
            targets.map((target, index) => (index % 2 ? { target, mode: 'host' } : `${target}`)),
          ),
        healthcheck: fc.record({
          test: fc.oneof(
            text.filter((value) => value.trim() !== ''),
            fc.array(text, { minLength: 1, maxLength: 3 }).map((args) => ['CMD', ...args]),
          ),
          interval: duration,
          retries: fc.integer({ min: 1, max: 10 }),
        }),
        volumes: fc.constantFrom([], ['data:/data'], ['data:/data:ro', '/scratch']),
        user: fc.constantFrom('1000', 'www-data', '1000:1000'),
        deploy: fc.record({
          replicas: fc.integer({ min: 0, max: 100 }),
          restart_policy: fc.record({
            condition: fc.constantFrom('none', 'on-failure', 'any'),
            max_attempts: fc.integer({ min: 0, max: 9 }),
          }),
          resources: fc.record({
            limits: fc.record({
              memory: fc.constantFrom('64M', '1G', '1536M'),
              cpus: fc.constantFrom(0.25, 1, 2.5),
            }),
          }),
        }),
      },
      { requiredKeys: ['image'] },
    );
    fc.assert(
      fc.property(fc.dictionary(name, service, { minKeys: 1, maxKeys: 3 }), (services) => {
        const compose: ComposeFile = { services, volumes: { data: {} } };
        // Each service publishes its own ports: only port collisions between services differ.
        let next = 20_000;
        for (const entry of Object.values(services)) {
          entry.ports = (entry.ports ?? []).map((port) =>
            typeof port === 'string' ? `${next++}:${port}` : { ...port, published: next++ },
          );
        }
        const first = definitionOf(parseCompose(JSON.stringify(compose)));
        const again = definitionOf(parseCompose(renderStack(first)));
        expect(again).toEqual(first);
      }),
      { numRuns: 60 },
    );
  });
});
