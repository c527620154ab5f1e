// biome-ignore-all lint/suspicious/noTemplateCurlyInString: templates write ${variable} in plain strings
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlotillaError } from '@flotilla/errors';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTemplates, readTemplate, TemplateError } from './catalog.ts';
import { generate } from './generate.ts';

const registry = '10.201.3.1:5443';
const catalog = loadTemplates({ defaultRegistry: registry });
const scratch = mkdtempSync(join(tmpdir(), 'flotilla-templates-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function refusal(run: () => unknown): TemplateError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    return error as TemplateError;
  }
  throw new Error('it was accepted');
}

describe('the shipped templates', () => {
  it('are three: a static site, an app with Postgres, a Redis cache', () => {
    expect(catalog.list()).toEqual([
      expect.objectContaining({
        id: 'app-postgres',
        icon: 'database',
        creates: { apps: 1, databases: ['postgres'] },
      }),
      expect.objectContaining({
        id: 'redis-cache',
        icon: 'zap',
        creates: { apps: 1, databases: ['redis'] },
      }),
      expect.objectContaining({
        id: 'static-site',
        icon: 'globe',
        creates: { apps: 1, databases: [] },
      }),
    ]);
  });

  it.each(['static-site', 'app-postgres', 'redis-cache'])(
    '%s resolves with its defaults, images from the registry',
    (id) => {
      const plan = catalog.resolve(id);
      expect(plan.template_id).toBe(id);
      for (const app of plan.apps) {
        expect(app.image_url.startsWith(`${registry}/`)).toBe(true);
        expect(app).toMatchObject({ source_type: 'image', template_id: id });
      }
      expect(plan.parameters.registry).toBe(registry);
    },
  );

  it('plans the Postgres app as one database, one app and the binding between them', () => {
    const plan = catalog.resolve('app-postgres', { name: 'shop', replicas: '2' });
    expect(plan.databases).toEqual([
      { key: 'db', name: 'shop-db', engine: 'postgres', version: '15' },
    ]);
    expect(plan.apps).toEqual([
      {
        key: 'app',
        name: 'shop',
        source_type: 'image',
        image_url: `${registry}/echo:1`,
        port: 80,
        replicas: 2,
        env: { SECRET_KEY: expect.stringMatching(/^[0-9a-f]{64}$/) },
        // Built from a password variable: the app keeps it sealed.
        secret_env: ['SECRET_KEY'],
        template_id: 'app-postgres',
      },
    ]);
    expect(plan.bindings).toEqual([{ app: 'app', database: 'db' }]);
    expect(plan.secret_parameters).toEqual(['secret_key']);
  });

  it('plans the Redis cache bound to its app', () => {
    const plan = catalog.resolve('redis-cache', { registry: 'registry.example.com/team' });
    expect(plan.databases).toEqual([
      { key: 'cache', name: 'cached-app-cache', engine: 'redis', version: '7' },
    ]);
    expect(plan.apps[0]?.image_url).toBe('registry.example.com/team/echo:1');
    expect(plan.bindings).toEqual([{ app: 'app', database: 'cache' }]);
  });

  it("publishes the static site on a random port outside Swarm's own range, avoiding taken ones", () => {
    const taken = Array.from({ length: 9_990 }, (_, index) => 20_000 + index);
    const plan = catalog.resolve('static-site', {}, { avoidPorts: taken });
    expect(plan.apps[0]?.published_port).toBeGreaterThanOrEqual(29_990);
    expect(plan.apps[0]?.published_port).toBeLessThanOrEqual(29_999);
    expect(catalog.resolve('static-site', { public_port: '8080' }).apps[0]?.published_port).toBe(
      8080,
    );
  });

  it('writes the static page from the environment, escaped, with busybox', () => {
    const plan = catalog.resolve('static-site', {
      title: 'Tom & <Jerry>',
      message: '$(touch /tmp/pwned) "quoted"',
    });
    const app = plan.apps[0]!;
    const site = join(scratch, 'site');
    mkdirSync(site, { recursive: true });
    // The container's script, pointed at a scratch folder and stopped before httpd starts.
    const script = app
      .command![3]!.replaceAll('/site', site)
      .replace(/exec \/bin\/busybox httpd.*$/, 'true');
    execFileSync('busybox', ['sh', '-c', script], { env: { ...app.env, PATH: '/usr/bin:/bin' } });
    const page = readFileSync(join(site, 'index.html'), 'utf8');
    expect(page).toContain('<title>Tom &amp; &lt;Jerry&gt;</title>');
    expect(page).toContain('<p>$(touch /tmp/pwned) "quoted"</p>');
  });
});

describe('parameters', () => {
  it('refuses a value that breaks its rule, naming the parameter and the rule', () => {
    const error = refusal(() => catalog.resolve('app-postgres', { name: 'Not_Valid' }));
    expect(error.code).toBe('invalid');
    expect(error.issues).toEqual([
      {
        path: 'parameters.name',
        message: '"App name" must be lower-case letters, digits and dashes (at most 42)',
      },
    ]);
  });

  it('names every failing parameter at once', () => {
    const error = refusal(() =>
      catalog.resolve('static-site', {
        replicas: 50,
        public_port: 'eighty',
        title: 'x'.repeat(201),
        colour: 'red',
      }),
    );
    expect(error.issues.map((issue) => issue.path).sort()).toEqual([
      'parameters.colour',
      'parameters.public_port',
      'parameters.replicas',
      'parameters.title',
    ]);
    expect(error.issues).toContainEqual({
      path: 'parameters.replicas',
      message: '"Replicas" must be at most 10',
    });
    expect(error.issues).toContainEqual({
      path: 'parameters.colour',
      message: 'not a parameter of template "static-site"',
    });
  });

  it('refuses an enum value that is not offered, and a registry that is not host[:port][/path]', () => {
    expect(
      refusal(() => catalog.resolve('app-postgres', { postgres_version: '9.6' })).issues,
    ).toEqual([
      { path: 'parameters.postgres_version', message: '"Postgres version" must be one of 15' },
    ]);
    expect(
      refusal(() => catalog.resolve('app-postgres', { registry: 'https://evil/' })).issues[0]?.path,
    ).toBe('parameters.registry');
  });

  it('needs a registry when configuration gives none', () => {
    const bare = loadTemplates();
    expect(refusal(() => bare.resolve('static-site')).issues).toEqual([
      { path: 'parameters.registry', message: '"Registry" is required' },
    ]);
  });

  it('answers notFound for an unknown template', () => {
    try {
      catalog.resolve('wordpress');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(FlotillaError);
      expect((error as FlotillaError).code).toBe('notFound');
    }
  });

  it('generates a different secret every time, of the length asked', () => {
    const keys = new Set(
      Array.from({ length: 50 }, () => catalog.resolve('app-postgres').apps[0]!.env.SECRET_KEY),
    );
    expect(keys.size).toBe(50);
    for (const key of keys) expect(key).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('generate', () => {
  it('makes passwords of the asked length from letters and digits, each one new', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 128 }), (length) => {
        const a = generate(`password:${length}`) as string;
        const b = generate(`password:${length}`) as string;
        expect(a).toMatch(new RegExp(`^[A-Za-z0-9]{${length}}$`));
        if (length >= 12) expect(a).not.toBe(b);
      }),
      { numRuns: 50 },
    );
  });

  it('uses every character of the alphabet about equally often', () => {
    const counts = new Map<string, number>();
    for (const char of generate('password:62000') as string)
      counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // 1000 expected per character; a biased generator (modulo on bytes) would be far off.
    for (const count of counts.values()) expect(count).toBeGreaterThan(850);
  });

  it('makes hex, base64url and uuid values of the asked size', () => {
    expect(generate('hex:7')).toMatch(/^[0-9a-f]{7}$/);
    expect(Buffer.from(generate('base64:32') as string, 'base64url')).toHaveLength(32);
    expect(generate('uuid')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const port = generate('randomPort:40000-40009') as number;
    expect(port).toBeGreaterThanOrEqual(40_000);
    expect(port).toBeLessThanOrEqual(40_009);
    expect(() =>
      generate('randomPort:40000-40001', { avoidPorts: new Set([40_000, 40_001]) }),
    ).toThrow(/no free port/);
  });
});

describe('template files', () => {
  const base = {
    id: 'demo',
    name: 'Demo',
    description: 'A demo',
    icon: 'box',
    apps: { web: { name: 'demo', image: '${registry}/echo:1' } },
  };
  const file = (value: unknown) => JSON.stringify(value);

  it('refuses a template that uses a variable it does not define', () => {
    const error = refusal(() =>
      readTemplate('demo.yaml', file({ ...base, apps: { web: { name: '${nmae}', image: 'x' } } })),
    );
    expect(error.issues).toEqual([
      { path: 'apps.web.name', message: 'uses ${nmae}, which is not a variable of the template' },
    ]);
  });

  it('refuses a binding to a database the template does not create, and a generator of the wrong type', () => {
    const error = refusal(() =>
      readTemplate(
        'demo.yaml',
        file({
          ...base,
          variables: [{ id: 'port', label: 'Port', type: 'string', generator: 'randomPort' }],
          apps: { web: { name: 'demo', image: 'x', databases: ['db'] } },
        }),
      ),
    );
    expect(error.issues.map((issue) => issue.path)).toEqual([
      'variables.0.generator',
      'apps.web.databases',
    ]);
  });

  it('refuses a file whose name is not its id, and an invalid pattern', () => {
    expect(refusal(() => readTemplate('other.yaml', file(base))).issues).toEqual([
      { path: 'id', message: "must be the file's name (other.yaml)" },
    ]);
    const error = refusal(() =>
      readTemplate(
        'demo.yaml',
        file({ ...base, variables: [{ id: 'a', label: 'A', type: 'string', pattern: '([' }] }),
      ),
    );
    expect(error.issues).toEqual([
      { path: 'variables.0.pattern', message: 'not a valid regular expression' },
    ]);
  });

  it('stops loading a folder whose template cannot resolve with its defaults', () => {
    const folder = join(scratch, 'broken');
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, 'demo.yaml'),
      file({
        ...base,
        variables: [{ id: 'name', label: 'Name', type: 'string', default: 'Bad Name' }],
        apps: { web: { name: '${name}', image: 'x' } },
      }),
    );
    const error = refusal(() => loadTemplates({ directory: folder, defaultRegistry: registry }));
    expect(error.message).toMatch(/demo\.yaml does not resolve with its defaults/);
    expect(error.issues[0]).toMatchObject({ path: 'parameters.name' });
  });
});
