// The rows database jobs work from, and what they become for @flotilla/deploy: the database's
// spec (pinned to the node stored at creation), its password (opened here, never logged) and the
// credentials its image is pulled with.
import type { Prisma } from '@flotilla/db';
import {
  type DatabaseSpec,
  databaseSpecSchema,
  parseImageReference,
  type RegistryCredentials,
} from '@flotilla/deploy';
import { managedDatabasePasswordContext, registryPasswordContext } from '@flotilla/secrets';
import type { AppRef } from '../apps/log.ts';
import type { Engine } from '../engine.ts';
import { PermanentError } from '../errors.ts';

export const databaseRecordSelect = {
  id: true,
  organizationId: true,
  clusterId: true,
  name: true,
  engine: true,
  version: true,
  image: true,
  registryId: true,
  serviceName: true,
  networkName: true,
  status: true,
  statusReason: true,
  failureKind: true,
  nodeId: true,
  orchestratorNodeId: true,
  passwordEncrypted: true,
  connectionUser: true,
  connectionDatabase: true,
  connectionPort: true,
  publicHost: true,
  readyAt: true,
  publishedPort: { select: { port: true } },
  cluster: { select: { orchestrator: true } },
} satisfies Prisma.ManagedDatabaseSelect;

export type DatabaseRecord = Prisma.ManagedDatabaseGetPayload<{
  select: typeof databaseRecordSelect;
}>;

export function loadDatabase(engine: Engine, databaseId: string): Promise<DatabaseRecord | null> {
  return engine.db.managedDatabase.findUnique({
    where: { id: databaseId },
    select: databaseRecordSelect,
  });
}

/** How the database's log lines name it on its cluster's log. */
export function databaseRef(database: Pick<DatabaseRecord, 'id' | 'name' | 'clusterId'>): AppRef {
  return { id: database.id, name: `database ${database.name}`, clusterId: database.clusterId };
}

/** The spec @flotilla/deploy applies: pinned to the node stored at creation. */
export function databaseSpecOf(database: DatabaseRecord): DatabaseSpec {
  if (!database.orchestratorNodeId) {
    throw new PermanentError(`database ${database.name} has no node chosen yet`);
  }
  return databaseSpecSchema.parse({
    name: database.serviceName,
    databaseId: database.id,
    engine: database.engine,
    version: database.version,
    image: database.image,
    nodeId: database.orchestratorNodeId,
    network: database.networkName,
    ...(database.connectionUser ? { user: database.connectionUser } : {}),
    ...(database.connectionDatabase ? { database: database.connectionDatabase } : {}),
    ...(database.publishedPort ? { publishedPort: database.publishedPort.port } : {}),
  });
}

export function passwordOf(engine: Engine, database: DatabaseRecord): string {
  return engine.sealer.open(
    database.passwordEncrypted,
    managedDatabasePasswordContext(database.id),
  );
}

/** The registry credentials for the database's image (none when its registry needs none). */
export async function imageCredentials(
  engine: Engine,
  database: DatabaseRecord,
): Promise<RegistryCredentials | undefined> {
  const server = parseImageReference(database.image)?.registry;
  if (!server) return undefined;
  const registry = await engine.db.registry.findFirst({
    where: database.registryId
      ? { id: database.registryId, server }
      : { organizationId: database.organizationId, server },
    select: { id: true, server: true, username: true, passwordEncrypted: true },
  });
  if (!registry?.username || !registry.passwordEncrypted) return undefined;
  return {
    server: registry.server,
    username: registry.username,
    password: engine.sealer.open(registry.passwordEncrypted, registryPasswordContext(registry.id)),
  };
}
