// The shapes database.* procedures share: a managed database, its binding and backups, the
// engine catalog, and the same shapes as the platform page spells them (snake_case). Each
// procedure's own input and result are in `<name>.schema.ts`. Only zod here: the dashboard
// imports it.
import { databaseEngines, engineProfiles } from '@flotilla/deploy/databases/engines';
import { z } from 'zod';
import { idSchema, isoDate, text } from '../../schemas/common.ts';

export const databaseId = idSchema;
export const backupId = idSchema;
export const restoreId = idSchema;

export { databaseEngines };
export const databaseEngineSchema = z.enum(databaseEngines, {
  error: () => `must be one of: ${databaseEngines.join(', ')}`,
});
export type DatabaseEngineName = (typeof databaseEngines)[number];

/**
 * The engines and versions Flotilla runs, in one table (@flotilla/deploy's engine profiles): each
 * version is an image `<the organization's registry>/<repository>:<version>`. The first version
 * listed is the default.
 */
export const databaseCatalog = databaseEngines.map((engine) => ({
  engine,
  repository: engineProfiles[engine].repository,
  versions: [...engineProfiles[engine].versions],
  defaultVersion: engineProfiles[engine].versions[0] as string,
  port: engineProfiles[engine].port,
}));

export const databaseVersion = z
  .string()
  .trim()
  .min(1)
  .max(32)
  .regex(/^[0-9][0-9a-z.-]*$/, 'a version such as 15 or 7.2');

export const databaseStatusSchema = z.enum(['creating', 'ready', 'error', 'deleting']);
export const bindingStatusSchema = z.enum(['pending', 'bound', 'unbinding']);
export const backupStatusSchema = z.enum(['running', 'succeeded', 'failed']);
export const restoreStatusSchema = z.enum(['queued', 'running', 'succeeded', 'failed']);

/** Display name; the service name on the cluster is derived from it. */
export const databaseName = text(1, 63);

export const database = z.object({
  id: z.string(),
  organizationId: z.string(),
  projectId: z.string(),
  clusterId: z.string(),
  name: z.string(),
  engine: databaseEngineSchema,
  version: z.string(),
  /** The image it runs, from the organization's registry. */
  image: z.string(),
  status: databaseStatusSchema,
  statusReason: z.string().nullable(),
  /** Why it is in `error`, as a code (`unavailable`: the readiness probe does not answer). */
  failureKind: z.string().nullable(),
  /** The Swarm service, or the Kubernetes StatefulSet and headless Service. */
  serviceName: z.string(),
  /**
   * The node it is pinned to (Swarm: chosen when it was created, never changed; Kubernetes: the
   * node its pod runs on, where k3s's local-path storage keeps its volume).
   */
  nodeId: z.string().nullable(),
  nodeName: z.string().nullable(),
  /**
   * Inside the cluster: how bound apps reach it — the service name on Swarm, the headless
   * Service's DNS name (`<service>.flotilla-databases.svc`) on Kubernetes.
   */
  connectionHost: z.string(),
  connectionPort: z.number().int(),
  /** Postgres: the role and database; Redis: null. */
  connectionUser: z.string().nullable(),
  connectionDatabase: z.string().nullable(),
  /** Published on the pinned node for clients outside the cluster (when asked for). */
  publishedPort: z.number().int().nullable(),
  publicHost: z.string().nullable(),
  /** The app it is bound to, and how far the binding is. */
  appId: z.string().nullable(),
  appName: z.string().nullable(),
  bindingStatus: bindingStatusSchema.nullable(),
  readyAt: isoDate.nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type DatabaseOut = z.infer<typeof database>;

export const backup = z.object({
  id: z.string(),
  databaseId: z.string(),
  status: backupStatusSchema,
  reason: z.string().nullable(),
  format: z.string().nullable(),
  sizeBytes: z.number().int().nullable(),
  sha256: z.string().nullable(),
  createdAt: isoDate,
  finishedAt: isoDate.nullable(),
});
export type BackupOut = z.infer<typeof backup>;

export const restore = z.object({
  id: z.string(),
  databaseId: z.string(),
  backupId: z.string(),
  status: restoreStatusSchema,
  reason: z.string().nullable(),
  createdAt: isoDate,
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
});
export type RestoreOut = z.infer<typeof restore>;

export const databaseRef = z.object({ databaseId });

// The same shapes as the platform page shows them.
export const restDatabase = z.object({
  id: z.string(),
  cluster_id: z.string(),
  project_id: z.string(),
  name: z.string(),
  engine: databaseEngineSchema,
  version: z.string(),
  status: databaseStatusSchema,
  status_reason: z.string().nullable(),
  connection_host: z.string(),
  connection_port: z.number().int(),
  connection_user: z.string().nullable(),
  connection_database: z.string().nullable(),
  published_port: z.number().int().nullable(),
  public_host: z.string().nullable(),
  node_id: z.string().nullable(),
  app_id: z.string().nullable(),
  created_at: isoDate,
  updated_at: isoDate,
});

export function databaseToRestShape(d: DatabaseOut): z.infer<typeof restDatabase> {
  return {
    id: d.id,
    cluster_id: d.clusterId,
    project_id: d.projectId,
    name: d.name,
    engine: d.engine,
    version: d.version,
    status: d.status,
    status_reason: d.statusReason,
    connection_host: d.connectionHost,
    connection_port: d.connectionPort,
    connection_user: d.connectionUser,
    connection_database: d.connectionDatabase,
    published_port: d.publishedPort,
    public_host: d.publicHost,
    node_id: d.nodeId,
    app_id: d.appId,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
  };
}

/** `{id}` of the page's paths is the database's id. */
export const restDatabasePath = z.object({ id: databaseId });

/** Camel-case input fields → the page's names, so a handler's 400 names the field sent. */
export const restDatabaseFields = {
  databaseId: 'id',
  organizationId: 'organization_id',
  projectId: 'project_id',
  clusterId: 'cluster_id',
  registryId: 'registry_id',
  publishedPort: 'published_port',
  appId: 'app_id',
} as const;
