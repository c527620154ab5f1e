import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ComposeError } from './errors.ts';
import { parseCompose } from './parse.ts';

const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url));

function refusal(source: string | Uint8Array, options = {}): ComposeError {
  try {
    parseCompose(source, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ComposeError);
    return error as ComposeError;
  }
  throw new Error('parseCompose accepted the file');
}

describe('parseCompose', () => {
  it('reads a real file from bytes, with variables substituted', () => {
    const { compose, warnings } = parseCompose(fixture('web-cache.yaml'), {
      variables: { REGISTRY: '10.201.3.1:5443' },
    });
    const services = compose.services as Record<string, { image: string }>;
    expect(services.web?.image).toBe('10.201.3.1:5443/echo:1');
    expect(services.cache?.image).toBe('10.201.3.1:5443/redis:7');
    expect(warnings).toEqual([]);
  });

  it('expands anchors and merge keys as compose does, later keys winning', () => {
    const { compose } = parseCompose(fixture('anchors.yaml'));
    const services = compose.services as Record<string, Record<string, unknown>>;
    expect(services.api?.restart).toBe('on-failure:5');
    expect(services.api?.environment).toEqual({ LOG_LEVEL: 'debug', REGION: 'eu-1', PORT: '3000' });
    expect(services.jobs?.deploy).toEqual({
      replicas: 1,
      resources: { limits: { memory: '256M' } },
    });
    expect(services.jobs?.environment).toEqual({ LOG_LEVEL: 'info', REGION: 'eu-1' });
  });

  it('reads YAML 1.2 as compose does: yes and on stay strings', () => {
    const { compose } = parseCompose(
      'services:\n  a:\n    image: x\n    environment:\n      FLAG: yes\n      MODE: on\n',
    );
    expect((compose.services as Record<string, { environment: unknown }>).a?.environment).toEqual({
      FLAG: 'yes',
      MODE: 'on',
    });
  });

  it('refuses what is not YAML, naming the line', () => {
    const error = refusal('services:\n  web:\n    image: [unclosed\n  other: {\n');
    expect(error.code).toBe('invalid');
    expect(error.message).toMatch(/not valid YAML/);
    expect(error.issues[0]?.line).toBeGreaterThan(0);
  });

  it('refuses duplicate keys, which YAML forbids and compose would read as the last one', () => {
    const error = refusal('services:\n  web:\n    image: a\n    image: b\n');
    expect(error.issues[0]).toMatchObject({ line: 4 });
  });

  it('refuses a list, a scalar and an empty file: a compose file is a mapping', () => {
    expect(refusal('- services\n- web\n').message).toMatch(/this one is a list/);
    expect(refusal('just words').message).toMatch(/this one is a string/);
    expect(refusal('# nothing but a comment\n').message).toMatch(/this one is empty/);
  });

  it('refuses several documents in one file', () => {
    expect(refusal('services: {}\n---\nservices: {}\n').message).toMatch(/not valid YAML/);
  });

  it('refuses an unknown top-level key, naming it and its line', () => {
    const error = refusal(
      'services:\n  web:\n    image: nginx\nservice:\n  db:\n    image: postgres\n',
    );
    expect(error.issues).toEqual([
      expect.objectContaining({
        path: 'service',
        line: 4,
        message: expect.stringMatching(/unknown top-level key "service"/),
      }),
    ]);
  });

  it('accepts x- extension keys at the top level', () => {
    expect(() => parseCompose('x-anything: 1\nservices:\n  a:\n    image: x\n')).not.toThrow();
  });

  it('names each place the compose specification refuses, with its path and line', () => {
    const error = refusal(
      [
        'services:',
        '  web:',
        '    image: nginx',
        '    ports: 80', // not a list
        '    deploy:',
        '      replicas: [2]', // not a number
        '    healthcheck:',
        '      tests: ["CMD", "true"]', // a misspelt key
        '  db:',
        '    image: postgres',
        '    restart: 3',
      ].join('\n'),
    );
    expect(error.message).toMatch(/does not conform to the compose specification/);
    const byPath = Object.fromEntries(error.issues.map((issue) => [issue.path, issue]));
    expect(byPath['services.web.ports']).toMatchObject({ line: 4, message: 'must be array' });
    expect(byPath['services.web.deploy.replicas']).toMatchObject({
      line: 6,
      message: 'must be integer or string',
    });
    expect(byPath['services.web.healthcheck.tests']).toMatchObject({
      line: 8,
      message: 'unknown key "tests"',
    });
    expect(byPath['services.db.restart']).toMatchObject({ line: 11, message: 'must be string' });
  });

  it('refuses an unknown key inside a service, as the specification does', () => {
    const error = refusal('services:\n  web:\n    image: nginx\n    imgae: nginx:1\n');
    expect(error.issues).toEqual([
      { path: 'services.web.imgae', line: 4, message: 'unknown key "imgae"' },
    ]);
  });

  it('refuses a file larger than the limit before reading it', () => {
    const big = `services:\n  a:\n    image: x\n    labels:\n${'      k: v\n'.repeat(10)}`;
    expect(refusal(big, { maxBytes: 64 }).message).toMatch(/at most 64 are accepted/);
    expect(refusal(new Uint8Array(600 * 1024)).message).toMatch(/at most 524288/);
  });

  it('refuses bytes that are not UTF-8 text', () => {
    expect(refusal(new Uint8Array([0x73, 0x3a, 0xff, 0xfe])).message).toMatch(/not UTF-8/);
    expect(refusal(new Uint8Array([0x61, 0x00, 0x62])).message).toMatch(/NUL bytes/);
  });

  it('refuses a file whose aliases would expand without bound ("billion laughs")', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      lines.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(',')}]`);
    }
    const started = performance.now();
    const error = refusal(`${lines.join('\n')}\nservices: {}\n`);
    expect(error.message).toMatch(/cannot be read.*Excessive alias count/);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('substitutes variables before validating, so a replica count from a variable is checked as a number', () => {
    const { compose, warnings } = parseCompose(fixture('interpolation.yaml'), {
      variables: { TAG: '2.0', DB_PASSWORD: 's3cret', REPLICAS: '3', FEATURE: 'x' },
    });
    const app = (compose.services as Record<string, Record<string, unknown>>).app!;
    expect(app.image).toBe('registry.example.com:5443/app:2.0');
    expect(app.ports).toEqual(['8080:80']);
    expect(app.environment).toEqual({
      PRICE: '5$',
      DATABASE_URL: 'postgres://app:s3cret@db:5432/app',
      MODE: 'production',
      FEATURE: 'enabled',
    });
    expect(app.deploy).toEqual({ replicas: '3' });
    expect(warnings).toEqual([]);
  });

  it('warns of a variable without value or default, naming where it is used', () => {
    const { warnings } = parseCompose(fixture('interpolation.yaml'), { variables: { TAG: '2.0' } });
    expect(warnings).toEqual([
      {
        path: 'services.app.environment.DATABASE_URL',
        line: 8,
        message: 'variable DB_PASSWORD is not set; an empty string is used',
      },
    ]);
  });

  it('refuses a required variable that is missing, with its message, path and line', () => {
    const error = refusal(fixture('interpolation.yaml'));
    expect(error.issues).toEqual([
      {
        path: 'services.app.image',
        line: 3,
        message: 'required variable TAG is missing a value: set TAG to the release to deploy',
      },
    ]);
  });

  it('refuses a malformed substitution', () => {
    const error = refusal('services:\n  a:\n    image: "x:${TAG"\n');
    expect(error.issues[0]).toMatchObject({ path: 'services.a.image', line: 3 });
  });
});
