import { describe, expect, it } from 'vitest';
import { connectionEnv, databaseImage } from './engines.ts';
import { buildDatabaseServiceSpec, databaseSpecSchema } from './spec.ts';

const digest = `sha256:${'a'.repeat(64)}`;
const registry = '10.0.0.1:5443';

function postgres(overrides: Record<string, unknown> = {}) {
  return databaseSpecSchema.parse({
    name: 'orders-db',
    databaseId: 'db_1',
    engine: 'postgres',
    version: '15',
    image: databaseImage(registry, 'postgres', '15'),
    nodeId: 'n1abc',
    network: 'flotilla-project-p1',
    ...overrides,
  });
}

const build = (spec: ReturnType<typeof postgres>) =>
  buildDatabaseServiceSpec(spec, {
    digest,
    secret: { id: 'sec1', name: 'orders-db-password' },
    networkId: 'net1',
  });

describe('database specs', () => {
  it('names the field of an unknown version, engine or a name SQL would need quoting for', () => {
    const issues = (input: Record<string, unknown>) =>
      databaseSpecSchema.safeParse({ ...postgres(), ...input }).error?.issues.map((i) => ({
        path: i.path.join('.'),
        message: i.message,
      }));
    expect(issues({ version: '16' })).toEqual([
      { path: 'version', message: 'postgres versions: 15' },
    ]);
    expect(issues({ engine: 'mysql' })?.[0]?.path).toBe('engine');
    expect(issues({ user: 'App"; drop' })?.[0]?.path).toBe('user');
    expect(issues({ publishedPort: 70_000 })?.[0]?.path).toBe('publishedPort');
  });

  it('pins the one task to its node, stops before it starts another, and keeps data in a volume', () => {
    const spec = build(postgres({ publishedPort: 15432 }));
    expect(spec.TaskTemplate.Placement).toEqual({ Constraints: ['node.id == n1abc'] });
    expect(spec.Mode).toEqual({ Replicated: { Replicas: 1 } });
    expect(spec.UpdateConfig?.Order).toBe('stop-first');
    expect(spec.RollbackConfig?.Order).toBe('stop-first');
    expect(spec.TaskTemplate.ContainerSpec.Image).toBe(`${registry}/postgres:15@${digest}`);
    expect(spec.TaskTemplate.ContainerSpec.Mounts).toEqual([
      {
        Type: 'volume',
        Source: 'orders-db-data',
        Target: '/var/lib/postgresql/data',
        VolumeOptions: {
          Labels: { 'dev.flotilla.managed': 'true', 'dev.flotilla.database-id': 'db_1' },
        },
      },
    ]);
    expect(spec.TaskTemplate.ContainerSpec.StopSignal).toBe('SIGINT');
    expect(spec.EndpointSpec).toEqual({
      Mode: 'dnsrr',
      Ports: [{ Protocol: 'tcp', TargetPort: 5432, PublishedPort: 15432, PublishMode: 'host' }],
    });
    expect(spec.TaskTemplate.Networks).toEqual([{ Target: 'net1', Aliases: ['orders-db'] }]);
  });

  it('hands the password over as a secret file, never in the spec', () => {
    const spec = build(postgres());
    expect(spec.TaskTemplate.ContainerSpec.Secrets).toEqual([
      {
        File: { Name: 'postgres-password', UID: '0', GID: '0', Mode: 0o400 },
        SecretID: 'sec1',
        SecretName: 'orders-db-password',
      },
    ]);
    expect(spec.TaskTemplate.ContainerSpec.Env).toEqual([
      'POSTGRES_DB=app',
      'POSTGRES_PASSWORD_FILE=/run/secrets/postgres-password',
      'POSTGRES_USER=app',
    ]);
    expect(spec.EndpointSpec?.Ports).toBeUndefined();
  });

  it('redis: its own port, data path and probe', () => {
    const spec = build(
      postgres({ engine: 'redis', version: '7', image: databaseImage(registry, 'redis', '7') }),
    );
    expect(spec.TaskTemplate.ContainerSpec.Env).toEqual([
      'REDIS_PASSWORD_FILE=/run/secrets/redis-password',
    ]);
    expect(spec.TaskTemplate.ContainerSpec.Mounts?.[0]?.Target).toBe('/data');
    expect(spec.TaskTemplate.ContainerSpec.Healthcheck?.Test?.join(' ')).toMatch(
      /redis-cli .*ping/,
    );
    expect(spec.Labels?.['dev.flotilla.database-user']).toBeUndefined();
  });

  it('connection variables for a bound app, the password encoded in URLs only', () => {
    expect(
      connectionEnv({
        engine: 'postgres',
        host: 'orders-db',
        port: 5432,
        user: 'app',
        database: 'app',
        password: 'p@ss/w:rd',
      }),
    ).toEqual({
      DATABASE_URL: 'postgresql://app:p%40ss%2Fw%3Ard@orders-db:5432/app',
      PGHOST: 'orders-db',
      PGPORT: '5432',
      PGUSER: 'app',
      PGPASSWORD: 'p@ss/w:rd',
      PGDATABASE: 'app',
    });
    expect(connectionEnv({ engine: 'redis', host: 'cache', port: 6379, password: 'a b' })).toEqual({
      REDIS_URL: 'redis://:a%20b@cache:6379',
    });
  });
});
