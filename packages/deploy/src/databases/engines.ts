// What differs between database engines, in one table: image, port, where the data lives, how the
// password reaches the server, and the commands run inside the task to probe, dump and restore.
// Every command is an argv run through the Engine API's exec (no shell on our side); where a
// shell is needed inside the container, values reach it through its environment.

export const databaseEngines = ['postgres', 'redis'] as const;
export type DatabaseEngine = (typeof databaseEngines)[number];

export interface EngineProfile {
  /** Repository below the registry address: `<registry>/<repository>:<version>`. */
  repository: string;
  /** The versions the images are built for (the registry's catalog may offer fewer). */
  versions: readonly string[];
  port: number;
  /** Where the named volume is mounted. */
  dataPath: string;
  /** The secret's file name under /run/secrets, and the variable naming that file. */
  passwordFile: { name: string; variable: string };
  /** What `docker stop` sends: postgres's fast shutdown is SIGINT. */
  stopSignal?: string;
  /** Environment of the container besides the password file. */
  env(names: { user: string; database: string }): Record<string, string>;
  /** Exits 0 when the server answers (run as the container's healthcheck too). */
  probe(names: { user: string; database: string }): string[];
  /** Writes a dump of everything to stdout. */
  dump(names: { user: string; database: string }): string[];
  /** Names of the probe and dump commands, for messages. */
  tools: { probe: string; dump: string };
  /** How a dump is stored: its format name and a file extension. */
  dumpFormat: { name: string; extension: string };
}

const pgSocket = '/var/run/postgresql';

// Redis wants its password for every command: it is read from the secret file inside the
// container (or the variable, for images given one), never passed through exec's environment.
// biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
const redisAuth = 'REDISCLI_AUTH="${REDIS_PASSWORD:-$(cat "$REDIS_PASSWORD_FILE")}"';

// redis-cli exits 0 on an error reply (NOAUTH, LOADING): only the answer PONG means ready.
const redisPing = [
  'sh',
  '-c',
  `answer=$(${redisAuth} redis-cli -h 127.0.0.1 ping 2>&1); echo "$answer"; [ "$answer" = PONG ]`,
];

export const engineProfiles: Record<DatabaseEngine, EngineProfile> = {
  postgres: {
    repository: 'postgres',
    versions: ['15'],
    port: 5432,
    dataPath: '/var/lib/postgresql/data',
    passwordFile: { name: 'postgres-password', variable: 'POSTGRES_PASSWORD_FILE' },
    stopSignal: 'SIGINT',
    env: ({ user, database }) => ({ POSTGRES_USER: user, POSTGRES_DB: database }),
    probe: ({ user, database }) => [
      'pg_isready',
      '-h',
      pgSocket,
      '-U',
      user,
      '-d',
      database,
      '-t',
      '5',
    ],
    // The custom format is what pg_restore reads from a pipe. Compression level 1: on the
    // database's own node, a third of the CPU of the default level for a dump a little larger
    // (measured: 264 MB of text, 8.1 s → 2.6 s, 113 → 115 MiB).
    dump: ({ user, database }) => [
      'pg_dump',
      '-Fc',
      '-Z1',
      '-h',
      pgSocket,
      '-U',
      user,
      '-d',
      database,
    ],
    tools: { probe: 'pg_isready', dump: 'pg_dump' },
    dumpFormat: { name: 'pg_dump-custom', extension: 'dump' },
  },
  redis: {
    repository: 'redis',
    versions: ['7'],
    port: 6379,
    dataPath: '/data',
    passwordFile: { name: 'redis-password', variable: 'REDIS_PASSWORD_FILE' },
    env: () => ({}),
    probe: () => redisPing,
    // A replica's full sync, written to stdout: a consistent snapshot without touching the
    // server's own dump.rdb.
    dump: () => ['sh', '-c', `${redisAuth} exec redis-cli -h 127.0.0.1 --rdb -`],
    tools: { probe: 'redis-cli ping', dump: 'redis-cli --rdb' },
    dumpFormat: { name: 'redis-rdb', extension: 'rdb' },
  },
};

/** `<registry>/postgres:15`: where the testbed (and an organization's registry) keeps an engine. */
export function databaseImage(registry: string, engine: DatabaseEngine, version: string): string {
  return `${registry}/${engineProfiles[engine].repository}:${version}`;
}

export function isKnownVersion(engine: DatabaseEngine, version: string): boolean {
  return engineProfiles[engine].versions.includes(version);
}

export interface ConnectionDetails {
  engine: DatabaseEngine;
  host: string;
  port: number;
  /** Postgres only: redis has one user. */
  user?: string;
  database?: string;
  password: string;
}

/**
 * What a bound app receives: `DATABASE_URL` and the libpq `PG*` variables for postgres,
 * `REDIS_URL` for redis. Values are URL-encoded in the URLs only.
 */
export function connectionEnv(details: ConnectionDetails): Record<string, string> {
  const password = encodeURIComponent(details.password);
  const host = details.host.includes(':') ? `[${details.host}]` : details.host;
  if (details.engine === 'redis') {
    return { REDIS_URL: `redis://:${password}@${host}:${details.port}` };
  }
  const user = details.user ?? 'postgres';
  const database = details.database ?? user;
  return {
    DATABASE_URL: `postgresql://${encodeURIComponent(user)}:${password}@${host}:${details.port}/${encodeURIComponent(database)}`,
    PGHOST: details.host,
    PGPORT: String(details.port),
    PGUSER: user,
    PGPASSWORD: details.password,
    PGDATABASE: database,
  };
}

/**
 * Where managed databases run on a Kubernetes cluster: a namespace of their own, so their objects
 * never share a name with an app's (apps are in `flotilla-apps`).
 */
export const kubernetesDatabasesNamespace = 'flotilla-databases';

/**
 * The host bound apps connect to. On Swarm the service's name on the database's network; on
 * Kubernetes the headless Service's DNS name, `<name>.<namespace>.svc`, which resolves from any
 * namespace whatever the cluster's domain (pods search `cluster.local` or the domain set).
 */
export function connectionHost(orchestrator: 'swarm' | 'kubernetes', serviceName: string): string {
  return orchestrator === 'kubernetes'
    ? `${serviceName}.${kubernetesDatabasesNamespace}.svc`
    : serviceName;
}
