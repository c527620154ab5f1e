import { z } from 'zod';
import { clusterId, organizationId } from '../../schemas/common.ts';
import { restOutput } from '../../schemas/rest.ts';
import { portSchema, projectId, registryId } from '../app/schema.ts';
import {
  database,
  databaseEngineSchema,
  databaseName,
  databaseToRestShape,
  databaseVersion,
  restDatabase,
} from './schema.ts';

export const databaseCreateInput = z.object({
  /** Default: the `X-Flotilla-Organization` header, else the caller's only organization. */
  organizationId: organizationId.optional(),
  /** Default: the organization's default project. */
  projectId: projectId.optional(),
  /** Default: the organization's default cluster (cluster.setDefault). */
  clusterId: clusterId.optional(),
  name: databaseName,
  /** Default postgres. */
  engine: databaseEngineSchema.default('postgres'),
  /** Default: the engine's first version in the catalog (database.engines). */
  version: databaseVersion.optional(),
  /** Where the image comes from; default the organization's default registry. */
  registryId: registryId.optional(),
  /**
   * Published on the node the database is pinned to, for clients outside the cluster; without
   * it the database is reachable only by apps bound to it.
   */
  publishedPort: portSchema.optional(),
});
export type DatabaseCreateInput = z.infer<typeof databaseCreateInput>;
export const databaseCreateOutput = database;

/** `POST /api/v1/managed-databases` with the page's fields. */
export const databaseCreateRestInput = z
  .object({
    organization_id: organizationId.optional(),
    project_id: projectId.optional(),
    cluster_id: clusterId.optional(),
    name: databaseName,
    engine: databaseEngineSchema.default('postgres'),
    version: databaseVersion.optional(),
    registry_id: registryId.optional(),
    published_port: portSchema.optional(),
  })
  .transform(
    (rest): DatabaseCreateInput => ({
      organizationId: rest.organization_id,
      projectId: rest.project_id,
      clusterId: rest.cluster_id,
      name: rest.name,
      engine: rest.engine,
      version: rest.version,
      registryId: rest.registry_id,
      publishedPort: rest.published_port,
    }),
  );

/** A database as the platform page shows it. */
export const databaseToRest = restOutput(restDatabase, databaseToRestShape);
