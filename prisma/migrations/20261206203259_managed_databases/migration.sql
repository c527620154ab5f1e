-- CreateEnum
CREATE TYPE "DatabaseEngine" AS ENUM ('postgres', 'redis');

-- CreateEnum
CREATE TYPE "DatabaseStatus" AS ENUM ('creating', 'ready', 'error', 'deleting');

-- CreateEnum
CREATE TYPE "DatabaseBindingStatus" AS ENUM ('pending', 'bound', 'unbinding');

-- CreateEnum
CREATE TYPE "DatabaseBackupStatus" AS ENUM ('running', 'succeeded', 'failed');

-- CreateEnum
CREATE TYPE "DatabaseRestoreStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed');

-- AlterEnum
ALTER TYPE "AssignableEntity" ADD VALUE 'database';

-- AlterTable
ALTER TABLE "ControlPlaneAssignment" ADD COLUMN     "databaseId" TEXT;

-- AlterTable
ALTER TABLE "PublishedPort" ADD COLUMN     "databaseId" TEXT;

-- CreateTable
CREATE TABLE "ManagedDatabase" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "engine" "DatabaseEngine" NOT NULL,
    "version" TEXT NOT NULL,
    "image" TEXT NOT NULL,
    "registryId" TEXT,
    "serviceName" TEXT NOT NULL,
    "networkName" TEXT NOT NULL,
    "status" "DatabaseStatus" NOT NULL DEFAULT 'creating',
    "statusReason" TEXT,
    "failureKind" "FailureKind",
    "statusChangedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "nodeId" TEXT,
    "orchestratorNodeId" TEXT,
    "passwordEncrypted" TEXT NOT NULL,
    "connectionUser" TEXT,
    "connectionDatabase" TEXT,
    "connectionPort" INTEGER NOT NULL,
    "publicHost" TEXT,
    "readyAt" TIMESTAMPTZ(3),
    "createdById" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ManagedDatabase_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DatabaseBinding" (
    "id" TEXT NOT NULL,
    "databaseId" TEXT NOT NULL,
    "appId" TEXT NOT NULL,
    "status" "DatabaseBindingStatus" NOT NULL DEFAULT 'pending',
    "deploymentId" TEXT,
    "createdById" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "DatabaseBinding_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DatabaseBackup" (
    "id" TEXT NOT NULL,
    "databaseId" TEXT NOT NULL,
    "status" "DatabaseBackupStatus" NOT NULL DEFAULT 'running',
    "reason" TEXT,
    "format" TEXT,
    "location" TEXT,
    "sizeBytes" BIGINT,
    "sha256" TEXT,
    "orchestratorNodeId" TEXT,
    "createdById" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMPTZ(3),

    CONSTRAINT "DatabaseBackup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DatabaseRestore" (
    "id" TEXT NOT NULL,
    "databaseId" TEXT NOT NULL,
    "backupId" TEXT NOT NULL,
    "status" "DatabaseRestoreStatus" NOT NULL DEFAULT 'queued',
    "reason" TEXT,
    "createdById" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),

    CONSTRAINT "DatabaseRestore_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ManagedDatabase_organizationId_createdAt_idx" ON "ManagedDatabase"("organizationId", "createdAt");

-- CreateIndex
CREATE INDEX "ManagedDatabase_clusterId_status_idx" ON "ManagedDatabase"("clusterId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "ManagedDatabase_projectId_name_key" ON "ManagedDatabase"("projectId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "ManagedDatabase_clusterId_serviceName_key" ON "ManagedDatabase"("clusterId", "serviceName");

-- CreateIndex
CREATE UNIQUE INDEX "DatabaseBinding_databaseId_key" ON "DatabaseBinding"("databaseId");

-- CreateIndex
CREATE INDEX "DatabaseBinding_appId_idx" ON "DatabaseBinding"("appId");

-- CreateIndex
CREATE INDEX "DatabaseBackup_databaseId_createdAt_idx" ON "DatabaseBackup"("databaseId", "createdAt");

-- CreateIndex
CREATE INDEX "DatabaseRestore_databaseId_createdAt_idx" ON "DatabaseRestore"("databaseId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "ControlPlaneAssignment_databaseId_key" ON "ControlPlaneAssignment"("databaseId");

-- CreateIndex
CREATE UNIQUE INDEX "PublishedPort_databaseId_key" ON "PublishedPort"("databaseId");

-- AddForeignKey
ALTER TABLE "PublishedPort" ADD CONSTRAINT "PublishedPort_databaseId_fkey" FOREIGN KEY ("databaseId") REFERENCES "ManagedDatabase"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ControlPlaneAssignment" ADD CONSTRAINT "ControlPlaneAssignment_databaseId_fkey" FOREIGN KEY ("databaseId") REFERENCES "ManagedDatabase"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ManagedDatabase" ADD CONSTRAINT "ManagedDatabase_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ManagedDatabase" ADD CONSTRAINT "ManagedDatabase_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ManagedDatabase" ADD CONSTRAINT "ManagedDatabase_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ManagedDatabase" ADD CONSTRAINT "ManagedDatabase_registryId_fkey" FOREIGN KEY ("registryId") REFERENCES "Registry"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ManagedDatabase" ADD CONSTRAINT "ManagedDatabase_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DatabaseBinding" ADD CONSTRAINT "DatabaseBinding_databaseId_fkey" FOREIGN KEY ("databaseId") REFERENCES "ManagedDatabase"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DatabaseBinding" ADD CONSTRAINT "DatabaseBinding_appId_fkey" FOREIGN KEY ("appId") REFERENCES "App"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DatabaseBackup" ADD CONSTRAINT "DatabaseBackup_databaseId_fkey" FOREIGN KEY ("databaseId") REFERENCES "ManagedDatabase"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DatabaseRestore" ADD CONSTRAINT "DatabaseRestore_databaseId_fkey" FOREIGN KEY ("databaseId") REFERENCES "ManagedDatabase"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DatabaseRestore" ADD CONSTRAINT "DatabaseRestore_backupId_fkey" FOREIGN KEY ("backupId") REFERENCES "DatabaseBackup"("id") ON DELETE CASCADE ON UPDATE CASCADE;
