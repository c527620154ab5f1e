// Where a managed database lives and what it runs, all decided in the transaction that writes
// it: the engine and version (checked against the one catalog), the image in the organization's
// registry, the service and network names on the cluster (unique among its apps and databases),
// the published port (claimed in PublishedPort, which apps share), and the password (generated
// here, sealed at once).
import { randomBytes } from 'node:crypto';
import { newId, type Prisma } from '@flotilla/db';
import { databaseImage, engineProfiles } from '@flotilla/deploy/databases/engines';
import { writeOutboxJob } from '@flotilla/queue';
import { managedDatabasePasswordContext, type Sealer } from '@flotilla/secrets';
import { conflict, fieldError } from '../../errors.ts';
import { type QuotaLimits, reserveQuota } from '../../quota.ts';
import type { AuthedContext } from '../../trpc.ts';
import { lockClusterPlacement, projectOf } from '../app/placement.ts';
import { slugOf } from '../app/schema.ts';
import type { DatabaseEngineName } from './schema.ts';

type Tx = Prisma.TransactionClient;

/** The version asked for (default: the catalog's first), or a 400 naming what is offered. */
export function checkVersion(engine: DatabaseEngineName, version: string | undefined): string {
  const versions = engineProfiles[engine].versions;
  const chosen = version ?? versions[0];
  if (!chosen || !versions.includes(chosen)) {
    throw fieldError(
      'version',
      `${engine} ${version} is not offered; versions: ${versions.join(', ')}`,
    );
  }
  return chosen;
}

/**
 * The registry the database's image comes from: the one named (of the organization), else the
 * organization's default. Database images are the organization's own (built for Flotilla's
 * probes, password files and dumps), never a public default.
 */
export async function registryOf(
  ctx: AuthedContext,
  organizationId: string,
  registryId: string | undefined,
): Promise<{ id: string; server: string }> {
  if (registryId) {
    const registry = await ctx.db.registry.findFirst({
      where: { id: registryId, organizationId },
      select: { id: true, server: true },
    });
    if (!registry) throw fieldError('registryId', 'no registry with this id in the organization');
    return registry;
  }
  const organization = await ctx.db.organization.findUnique({
    where: { id: organizationId },
    select: { defaultRegistry: { select: { id: true, server: true } } },
  });
  if (!organization?.defaultRegistry) {
    throw fieldError(
      'registryId',
      'is required: the organization has no default registry to take the database images from (registry.setDefault)',
    );
  }
  return organization.defaultRegistry;
}

/** The service name: the name's slug, unless an app or database of the cluster has it. */
async function serviceNameFor(tx: Tx, clusterId: string, name: string): Promise<string> {
  const slug = slugOf(name) || 'db';
  const taken = async (candidate: string) =>
    (await tx.app.count({ where: { clusterId, serviceName: candidate } })) +
      (await tx.managedDatabase.count({ where: { clusterId, serviceName: candidate } })) >
    0;
  for (const candidate of [slug, `${slug}-db`]) {
    if (!(await taken(candidate))) return candidate;
  }
  return `${slug}-${newId('x').slice(2, 8).toLowerCase()}`;
}

/** Claims `port` on the cluster for the database; a 400 naming its owner when taken. */
async function claimPort(tx: Tx, clusterId: string, databaseId: string, port: number) {
  const owner = await tx.publishedPort.findUnique({
    where: { clusterId_port: { clusterId, port } },
    select: { app: { select: { name: true } }, database: { select: { name: true } } },
  });
  if (owner) {
    const by = owner.app
      ? ` by app "${owner.app.name}"`
      : owner.database
        ? ` by database "${owner.database.name}"`
        : '';
    throw fieldError('publishedPort', `port ${port} is already published on this cluster${by}`);
  }
  await tx.publishedPort.create({ data: { clusterId, port, databaseId } });
}

export interface NewDatabase {
  organizationId: string;
  projectId: string | undefined;
  clusterId: string;
  name: string;
  engine: DatabaseEngineName;
  version: string;
  registry: { id: string; server: string };
  publishedPort: number | undefined;
  createdById: string;
}

/**
 * Writes a database row in `creating` with its createDatabase job, inside `tx`: the quota
 * reserved, the name checked, the port claimed. Returns its id.
 */
export async function insertDatabase(
  tx: Tx,
  services: { sealer: Sealer; quotaDefaults: QuotaLimits },
  spec: NewDatabase,
): Promise<string> {
  const projectId = await projectOf(tx, spec.organizationId, spec.projectId);
  const existing = await tx.managedDatabase.findFirst({
    where: { projectId, name: spec.name },
    select: { id: true },
  });
  if (existing) throw conflict(`A database named "${spec.name}" exists in this project`);
  // The cluster must still be there and not on its way out.
  const [cluster] = await tx.$queryRaw<{ status: string }[]>`
    select status::text from "Cluster" where id = ${spec.clusterId} for share`;
  if (!cluster) throw conflict('The cluster was removed meanwhile');
  if (cluster.status === 'deleting') throw conflict('The cluster is being deleted');
  await reserveQuota(tx, services.quotaDefaults, spec.organizationId, 'databases', 1);
  // Names and ports of the cluster are chosen one transaction at a time (apps take the same lock).
  await lockClusterPlacement(tx, spec.clusterId);
  const id = newId('db');
  const serviceName = await serviceNameFor(tx, spec.clusterId, spec.name);
  const profile = engineProfiles[spec.engine];
  const postgres = spec.engine === 'postgres';
  // 32 URL-safe characters: fits a URL and a shell without quoting, 192 bits of entropy.
  const password = randomBytes(24).toString('base64url');
  await tx.managedDatabase.create({
    data: {
      id,
      organizationId: spec.organizationId,
      projectId,
      clusterId: spec.clusterId,
      name: spec.name,
      engine: spec.engine,
      version: spec.version,
      image: databaseImage(spec.registry.server, spec.engine, spec.version),
      registryId: spec.registry.id,
      serviceName,
      networkName: `flotilla-db-${serviceName}`,
      passwordEncrypted: services.sealer.seal(password, managedDatabasePasswordContext(id)),
      connectionUser: postgres ? 'app' : null,
      connectionDatabase: postgres ? 'app' : null,
      connectionPort: profile.port,
      createdById: spec.createdById,
    },
  });
  if (spec.publishedPort !== undefined) {
    await claimPort(tx, spec.clusterId, id, spec.publishedPort);
  }
  await writeOutboxJob(tx, 'createDatabase', { clusterId: spec.clusterId, databaseId: id });
  return id;
}
