// Reading managed databases, their backups and restores: the columns the API shows, and the
// row → answer mappers. The password never leaves here except through database.credentials.
import type { Prisma } from '@flotilla/db';
import { connectionHost } from '@flotilla/deploy/databases/engines';
import type { BackupOut, DatabaseOut, RestoreOut } from './schema.ts';

export const databaseSelect = {
  id: true,
  organizationId: true,
  projectId: true,
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
  connectionUser: true,
  connectionDatabase: true,
  connectionPort: true,
  publicHost: true,
  readyAt: true,
  createdAt: true,
  updatedAt: true,
  node: { select: { name: true, address: true } },
  cluster: { select: { orchestrator: true } },
  publishedPort: { select: { port: true } },
  binding: { select: { id: true, appId: true, status: true, app: { select: { name: true } } } },
} satisfies Prisma.ManagedDatabaseSelect;

export type DatabaseRow = Prisma.ManagedDatabaseGetPayload<{ select: typeof databaseSelect }>;

export function databaseOut(row: DatabaseRow): DatabaseOut {
  return {
    id: row.id,
    organizationId: row.organizationId,
    projectId: row.projectId,
    clusterId: row.clusterId,
    name: row.name,
    engine: row.engine,
    version: row.version,
    image: row.image,
    status: row.status,
    statusReason: row.statusReason,
    failureKind: row.failureKind,
    serviceName: row.serviceName,
    nodeId: row.nodeId,
    nodeName: row.node?.name ?? null,
    connectionHost: connectionHost(row.cluster.orchestrator, row.serviceName),
    connectionPort: row.connectionPort,
    connectionUser: row.connectionUser,
    connectionDatabase: row.connectionDatabase,
    publishedPort: row.publishedPort?.port ?? null,
    publicHost: row.publishedPort ? (row.publicHost ?? row.node?.address ?? null) : null,
    appId: row.binding?.appId ?? null,
    appName: row.binding?.app.name ?? null,
    bindingStatus: row.binding?.status ?? null,
    readyAt: row.readyAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export const backupSelect = {
  id: true,
  databaseId: true,
  status: true,
  reason: true,
  format: true,
  sizeBytes: true,
  sha256: true,
  createdAt: true,
  finishedAt: true,
} satisfies Prisma.DatabaseBackupSelect;

export function backupOut(
  row: Prisma.DatabaseBackupGetPayload<{ select: typeof backupSelect }>,
): BackupOut {
  return {
    id: row.id,
    databaseId: row.databaseId,
    status: row.status,
    reason: row.reason,
    format: row.format,
    sizeBytes: row.sizeBytes === null ? null : Number(row.sizeBytes),
    sha256: row.sha256,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

export const restoreSelect = {
  id: true,
  databaseId: true,
  backupId: true,
  status: true,
  reason: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
} satisfies Prisma.DatabaseRestoreSelect;

export function restoreOut(
  row: Prisma.DatabaseRestoreGetPayload<{ select: typeof restoreSelect }>,
): RestoreOut {
  return {
    id: row.id,
    databaseId: row.databaseId,
    backupId: row.backupId,
    status: row.status,
    reason: row.reason,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}
