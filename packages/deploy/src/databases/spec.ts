// A managed database as one Swarm service, built without I/O: one replica pinned to the node
// chosen at creation (`node.id == …`; its volume lives there and nowhere else, so it must never
// be rescheduled), a named volume, the password as a Swarm secret file, an overlay network for
// apps and, only when asked, a port published in host mode on that node.
import type { ServiceSpec } from '@flotilla/docker';
import { z } from 'zod';
import { parseImageReference, pinnedImage } from '../app.ts';
import { ownerLabels } from '../swarm/spec.ts';
import { databaseEngines, engineProfiles } from './engines.ts';

const ms = 1_000_000;

/** Labels on a database's service, containers, volume, secret and network. */
export const databaseLabels = {
  managed: ownerLabels.managed,
  database: 'dev.flotilla.database-id',
  engine: 'dev.flotilla.database-engine',
  version: 'dev.flotilla.database-version',
  user: 'dev.flotilla.database-user',
  name: 'dev.flotilla.database-name',
  node: 'dev.flotilla.database-node',
} as const;

// Names that go into SQL and into the entrypoint's checks: plain lower-case identifiers.
const identifier = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lower-case letters, digits and underscores');

export const databaseSpecSchema = z
  .object({
    /** The service's name on the cluster (unique there); also the host name apps connect to. */
    name: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'lower-case letters, digits and dashes'),
    /** Who owns it: written as labels on every object created for the database. */
    databaseId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    engine: z.enum(databaseEngines),
    version: z.string().regex(/^[0-9][0-9a-z.-]{0,30}$/),
    /** The image for engine and version, e.g. `<registry>/postgres:15` (see `databaseImage`). */
    image: z
      .string()
      .max(512)
      .refine((value) => parseImageReference(value) !== null, 'not an image reference'),
    /**
     * The Swarm node the database is pinned to, chosen at creation (`chooseDatabaseNode`) and
     * stored: the data lives in a volume on that node only.
     */
    nodeId: z.string().regex(/^[a-z0-9]{1,64}$/, 'a Swarm node id'),
    /** The attachable overlay network apps join to reach it (created when missing). */
    network: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/, 'letters, digits, dots, dashes, underscores'),
    /** Postgres: the superuser the database is created with, and its database. */
    user: identifier.default('app'),
    database: identifier.default('app'),
    /** Published in host mode on the pinned node, for clients outside the cluster. */
    publishedPort: z.number().int().min(1).max(65_535).optional(),
    resources: z
      .object({
        cpus: z.number().positive().max(512).optional(),
        memoryBytes: z
          .number()
          .int()
          .min(16 * 1024 * 1024)
          .optional(),
      })
      .optional(),
  })
  .superRefine((spec, context) => {
    if (!engineProfiles[spec.engine].versions.includes(spec.version)) {
      context.addIssue({
        code: 'custom',
        path: ['version'],
        message: `${spec.engine} versions: ${engineProfiles[spec.engine].versions.join(', ')}`,
      });
    }
  });

export type DatabaseSpec = z.output<typeof databaseSpecSchema>;
export type DatabaseSpecInput = z.input<typeof databaseSpecSchema>;

/** Names of the objects made for a database, derived from its service name (so a retried removal
 * finds them without the service). */
export function databaseObjectNames(name: string) {
  return { volume: `${name}-data`, secret: `${name}-password` };
}

export interface DatabaseBuildOptions {
  /** The manifest digest the image resolved to: the spec pins it. */
  digest: string;
  secret: { id: string; name: string };
  /** The overlay network's id. */
  networkId: string;
}

/** What a Docker healthcheck and our own probe run: the engine's readiness command. */
function healthcheck(spec: DatabaseSpec) {
  return {
    Test: ['CMD', ...engineProfiles[spec.engine].probe(spec)],
    Interval: 3_000 * ms,
    Timeout: 5_000 * ms,
    // A minute of not answering before Swarm replaces the container: a database under load or
    // in recovery is slow, and a restart would only start the recovery again.
    Retries: 20,
    // Start-up (first initdb, crash recovery of a large database) does not count.
    StartPeriod: 300_000 * ms,
  };
}

export function buildDatabaseServiceSpec(
  spec: DatabaseSpec,
  options: DatabaseBuildOptions,
): ServiceSpec {
  const profile = engineProfiles[spec.engine];
  const owner = { [databaseLabels.managed]: 'true', [databaseLabels.database]: spec.databaseId };
  const labels = {
    ...owner,
    [databaseLabels.engine]: spec.engine,
    [databaseLabels.version]: spec.version,
    [databaseLabels.node]: spec.nodeId,
    ...(spec.engine === 'postgres'
      ? { [databaseLabels.user]: spec.user, [databaseLabels.name]: spec.database }
      : {}),
  };
  const names = { user: spec.user, database: spec.database };
  const env = {
    ...profile.env(names),
    [profile.passwordFile.variable]: `/run/secrets/${profile.passwordFile.name}`,
  };
  // stop-first, always: two servers on one data directory corrupt it.
  const update = {
    Parallelism: 1,
    Delay: 0,
    Monitor: 5_000 * ms,
    MaxFailureRatio: 0,
    Order: 'stop-first' as const,
  };
  return {
    Name: spec.name,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: pinnedImage(spec.image, options.digest),
        Labels: labels,
        Env: Object.entries(env)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([key, value]) => `${key}=${value}`),
        Mounts: [
          {
            Type: 'volume',
            Source: databaseObjectNames(spec.name).volume,
            Target: profile.dataPath,
            VolumeOptions: { Labels: owner },
          },
        ],
        Secrets: [
          {
            File: { Name: profile.passwordFile.name, UID: '0', GID: '0', Mode: 0o400 },
            SecretID: options.secret.id,
            SecretName: options.secret.name,
          },
        ],
        Healthcheck: healthcheck(spec),
        // Time for a clean shutdown (postgres checkpoints, redis fsyncs) before a kill.
        StopGracePeriod: 60_000 * ms,
        ...(profile.stopSignal ? { StopSignal: profile.stopSignal } : {}),
      },
      RestartPolicy: { Condition: 'any', Delay: 2_000 * ms, MaxAttempts: 0 },
      Placement: { Constraints: [`node.id == ${spec.nodeId}`] },
      Networks: [{ Target: options.networkId, Aliases: [spec.name] }],
      ...(spec.resources
        ? {
            Resources: {
              Limits: {
                ...(spec.resources.cpus ? { NanoCPUs: Math.round(spec.resources.cpus * 1e9) } : {}),
                ...(spec.resources.memoryBytes ? { MemoryBytes: spec.resources.memoryBytes } : {}),
              },
            },
          }
        : {}),
      ForceUpdate: 0,
    },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { ...update, FailureAction: 'rollback' },
    RollbackConfig: { ...update, FailureAction: 'pause' },
    // DNS round robin rather than a virtual IP: one task, and no IPVS needed (the testbed's
    // kernel has none). A port is published on the pinned node only: that is where clients go.
    EndpointSpec: {
      Mode: 'dnsrr',
      ...(spec.publishedPort
        ? {
            Ports: [
              {
                Protocol: 'tcp',
                TargetPort: profile.port,
                PublishedPort: spec.publishedPort,
                PublishMode: 'host',
              },
            ],
          }
        : {}),
    },
  };
}
