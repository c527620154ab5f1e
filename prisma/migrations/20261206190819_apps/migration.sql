-- CreateEnum
CREATE TYPE "AppSourceType" AS ENUM ('image', 'git', 'upload');

-- CreateEnum
CREATE TYPE "AppStatus" AS ENUM ('created', 'building', 'deploying', 'running', 'failed', 'deleting');

-- CreateEnum
CREATE TYPE "DeploymentTrigger" AS ENUM ('create', 'deploy', 'upload', 'rollback');

-- CreateEnum
CREATE TYPE "DeploymentStatus" AS ENUM ('queued', 'building', 'deploying', 'active', 'superseded', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "BuildSource" AS ENUM ('git', 'upload');

-- CreateEnum
CREATE TYPE "BuildStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed', 'cancelled');

-- AlterTable
ALTER TABLE "Organization" ADD COLUMN     "defaultClusterId" TEXT,
ADD COLUMN     "defaultRegistryId" TEXT;

-- CreateTable
CREATE TABLE "Project" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Project_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "App" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "serviceName" TEXT NOT NULL,
    "sourceType" "AppSourceType" NOT NULL,
    "imageUrl" TEXT,
    "repoUrl" TEXT,
    "repoBranch" TEXT,
    "buildCommand" TEXT,
    "port" INTEGER,
    "replicas" INTEGER NOT NULL DEFAULT 1,
    "env" JSONB NOT NULL DEFAULT '{}',
    "secretEnvEncrypted" TEXT,
    "domain" TEXT,
    "registryId" TEXT,
    "status" "AppStatus" NOT NULL DEFAULT 'created',
    "statusReason" TEXT,
    "restartGeneration" INTEGER NOT NULL DEFAULT 0,
    "scaleGeneration" INTEGER NOT NULL DEFAULT 0,
    "lastDeployAt" TIMESTAMPTZ(3),
    "createdById" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "App_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PublishedPort" (
    "clusterId" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "appId" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PublishedPort_pkey" PRIMARY KEY ("clusterId","port")
);

-- CreateTable
CREATE TABLE "Deployment" (
    "id" TEXT NOT NULL,
    "appId" TEXT NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "trigger" "DeploymentTrigger" NOT NULL,
    "status" "DeploymentStatus" NOT NULL DEFAULT 'queued',
    "reason" TEXT,
    "image" TEXT,
    "imageDigest" TEXT,
    "spec" JSONB,
    "secretEnvEncrypted" TEXT,
    "sourceDeploymentId" TEXT,
    "createdById" TEXT,
    "deadlineAt" TIMESTAMPTZ(3) NOT NULL,
    "cancelRequestedAt" TIMESTAMPTZ(3),
    "startedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Deployment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Build" (
    "id" TEXT NOT NULL,
    "appId" TEXT NOT NULL,
    "deploymentId" TEXT NOT NULL,
    "source" "BuildSource" NOT NULL,
    "uploadId" TEXT,
    "repoUrl" TEXT,
    "repoBranch" TEXT,
    "commit" TEXT,
    "status" "BuildStatus" NOT NULL DEFAULT 'queued',
    "reason" TEXT,
    "image" TEXT,
    "startedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Build_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BuildLog" (
    "id" BIGSERIAL NOT NULL,
    "buildId" TEXT NOT NULL,
    "level" "LogLevel" NOT NULL DEFAULT 'info',
    "message" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BuildLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SourceUpload" (
    "id" TEXT NOT NULL,
    "appId" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "createdById" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SourceUpload_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SourceUploadChunk" (
    "uploadId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "SourceUploadChunk_pkey" PRIMARY KEY ("uploadId","seq")
);

-- CreateTable
CREATE TABLE "Registry" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "server" TEXT NOT NULL,
    "username" TEXT,
    "passwordEncrypted" TEXT,
    "lastTestedAt" TIMESTAMPTZ(3),
    "lastTestError" TEXT,
    "createdById" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Registry_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Project_organizationId_slug_key" ON "Project"("organizationId", "slug");

-- CreateIndex
CREATE INDEX "App_organizationId_createdAt_idx" ON "App"("organizationId", "createdAt");

-- CreateIndex
CREATE INDEX "App_clusterId_createdAt_idx" ON "App"("clusterId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "App_projectId_name_key" ON "App"("projectId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "App_projectId_slug_key" ON "App"("projectId", "slug");

-- CreateIndex
CREATE UNIQUE INDEX "App_clusterId_serviceName_key" ON "App"("clusterId", "serviceName");

-- CreateIndex
CREATE UNIQUE INDEX "App_clusterId_domain_key" ON "App"("clusterId", "domain");

-- CreateIndex
CREATE UNIQUE INDEX "PublishedPort_appId_key" ON "PublishedPort"("appId");

-- CreateIndex
CREATE INDEX "Deployment_appId_createdAt_idx" ON "Deployment"("appId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Deployment_appId_ordinal_key" ON "Deployment"("appId", "ordinal");

-- CreateIndex
CREATE UNIQUE INDEX "Deployment_one_active_per_app" ON "Deployment"("appId") WHERE (status = 'active');

-- CreateIndex
CREATE UNIQUE INDEX "Deployment_one_in_flight_per_app" ON "Deployment"("appId") WHERE (status = ANY (ARRAY['queued'::"DeploymentStatus", 'building'::"DeploymentStatus", 'deploying'::"DeploymentStatus"]));

-- CreateIndex
CREATE UNIQUE INDEX "Build_deploymentId_key" ON "Build"("deploymentId");

-- CreateIndex
CREATE UNIQUE INDEX "Build_uploadId_key" ON "Build"("uploadId");

-- CreateIndex
CREATE INDEX "Build_appId_createdAt_idx" ON "Build"("appId", "createdAt");

-- CreateIndex
CREATE INDEX "BuildLog_buildId_id_idx" ON "BuildLog"("buildId", "id");

-- CreateIndex
CREATE INDEX "SourceUpload_appId_createdAt_idx" ON "SourceUpload"("appId", "createdAt");

-- CreateIndex
CREATE INDEX "Registry_organizationId_server_idx" ON "Registry"("organizationId", "server");

-- CreateIndex
CREATE UNIQUE INDEX "Registry_organizationId_name_key" ON "Registry"("organizationId", "name");

-- CreateIndex
CREATE INDEX "AuditLog_targetType_targetId_id_idx" ON "AuditLog"("targetType", "targetId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Organization_defaultClusterId_key" ON "Organization"("defaultClusterId");

-- CreateIndex
CREATE UNIQUE INDEX "Organization_defaultRegistryId_key" ON "Organization"("defaultRegistryId");

-- AddForeignKey
ALTER TABLE "Organization" ADD CONSTRAINT "Organization_defaultClusterId_fkey" FOREIGN KEY ("defaultClusterId") REFERENCES "Cluster"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Organization" ADD CONSTRAINT "Organization_defaultRegistryId_fkey" FOREIGN KEY ("defaultRegistryId") REFERENCES "Registry"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Project" ADD CONSTRAINT "Project_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "App" ADD CONSTRAINT "App_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "App" ADD CONSTRAINT "App_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "App" ADD CONSTRAINT "App_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "App" ADD CONSTRAINT "App_registryId_fkey" FOREIGN KEY ("registryId") REFERENCES "Registry"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PublishedPort" ADD CONSTRAINT "PublishedPort_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PublishedPort" ADD CONSTRAINT "PublishedPort_appId_fkey" FOREIGN KEY ("appId") REFERENCES "App"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Deployment" ADD CONSTRAINT "Deployment_appId_fkey" FOREIGN KEY ("appId") REFERENCES "App"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Deployment" ADD CONSTRAINT "Deployment_sourceDeploymentId_fkey" FOREIGN KEY ("sourceDeploymentId") REFERENCES "Deployment"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Build" ADD CONSTRAINT "Build_appId_fkey" FOREIGN KEY ("appId") REFERENCES "App"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Build" ADD CONSTRAINT "Build_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Build" ADD CONSTRAINT "Build_uploadId_fkey" FOREIGN KEY ("uploadId") REFERENCES "SourceUpload"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BuildLog" ADD CONSTRAINT "BuildLog_buildId_fkey" FOREIGN KEY ("buildId") REFERENCES "Build"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SourceUpload" ADD CONSTRAINT "SourceUpload_appId_fkey" FOREIGN KEY ("appId") REFERENCES "App"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SourceUploadChunk" ADD CONSTRAINT "SourceUploadChunk_uploadId_fkey" FOREIGN KEY ("uploadId") REFERENCES "SourceUpload"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Registry" ADD CONSTRAINT "Registry_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Every organization has a default project (new ones get it when they are created).
INSERT INTO "Project" ("id", "organizationId", "name", "slug", "updatedAt")
SELECT 'proj_' || substr(md5(random()::text || o."id"), 1, 16), o."id", 'Default', 'default', CURRENT_TIMESTAMP
FROM "Organization" o
ON CONFLICT ("organizationId", "slug") DO NOTHING;
