-- search.query matches partial names with trigrams (pg_trgm ships with PostgreSQL and is a
-- trusted extension: the database owner may create it)
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateEnum
CREATE TYPE "StackStatus" AS ENUM ('draft', 'published', 'archived');

-- CreateEnum
CREATE TYPE "StackRunTrigger" AS ENUM ('deploy', 'restore');

-- CreateEnum
CREATE TYPE "StackRunStatus" AS ENUM ('queued', 'deploying', 'succeeded', 'failed');

-- AlterTable
ALTER TABLE "Cluster" ADD COLUMN     "adopted" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "orchestratorVersion" TEXT;

-- AlterTable
ALTER TABLE "Node" ADD COLUMN     "version" TEXT;

-- CreateTable
CREATE TABLE "Stack" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "stackName" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "status" "StackStatus" NOT NULL DEFAULT 'draft',
    "compose" TEXT,
    "profiles" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "dropUnsupported" BOOLEAN NOT NULL DEFAULT false,
    "variablesEncrypted" TEXT,
    "definitionEncrypted" TEXT,
    "currentVersionId" TEXT,
    "removeRequestedAt" TIMESTAMPTZ(3),
    "createdById" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Stack_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StackVersion" (
    "id" TEXT NOT NULL,
    "stackId" TEXT NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "compose" TEXT NOT NULL,
    "profiles" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "variableNames" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "definitionEncrypted" TEXT NOT NULL,
    "renderedEncrypted" TEXT NOT NULL,
    "digest" TEXT NOT NULL,
    "services" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createdById" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StackVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StackRun" (
    "id" TEXT NOT NULL,
    "stackId" TEXT NOT NULL,
    "versionId" TEXT NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "trigger" "StackRunTrigger" NOT NULL,
    "status" "StackRunStatus" NOT NULL DEFAULT 'queued',
    "reason" TEXT,
    "services" JSONB NOT NULL DEFAULT '[]',
    "pinnedImages" JSONB,
    "restored" BOOLEAN NOT NULL DEFAULT false,
    "createdById" TEXT,
    "deadlineAt" TIMESTAMPTZ(3) NOT NULL,
    "startedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StackRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StackRunLog" (
    "id" BIGSERIAL NOT NULL,
    "runId" TEXT NOT NULL,
    "service" TEXT,
    "level" "LogLevel" NOT NULL DEFAULT 'info',
    "message" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StackRunLog_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Stack_currentVersionId_key" ON "Stack"("currentVersionId");

-- CreateIndex
CREATE INDEX "Stack_organizationId_createdAt_idx" ON "Stack"("organizationId", "createdAt");

-- CreateIndex
CREATE INDEX "Stack_clusterId_createdAt_idx" ON "Stack"("clusterId", "createdAt");

-- CreateIndex
CREATE INDEX "Stack_name_trgm_idx" ON "Stack" USING GIN ("name" gin_trgm_ops);

-- CreateIndex
CREATE UNIQUE INDEX "Stack_projectId_name_key" ON "Stack"("projectId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Stack_clusterId_stackName_key" ON "Stack"("clusterId", "stackName");

-- CreateIndex
CREATE INDEX "StackVersion_stackId_digest_idx" ON "StackVersion"("stackId", "digest");

-- CreateIndex
CREATE UNIQUE INDEX "StackVersion_stackId_ordinal_key" ON "StackVersion"("stackId", "ordinal");

-- CreateIndex
CREATE INDEX "StackRun_stackId_createdAt_idx" ON "StackRun"("stackId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "StackRun_stackId_ordinal_key" ON "StackRun"("stackId", "ordinal");

-- CreateIndex
CREATE UNIQUE INDEX "StackRun_one_in_flight_per_stack" ON "StackRun"("stackId") WHERE (status = ANY (ARRAY['queued'::"StackRunStatus", 'deploying'::"StackRunStatus"]));

-- CreateIndex
CREATE INDEX "StackRunLog_runId_id_idx" ON "StackRunLog"("runId", "id");

-- CreateIndex
CREATE INDEX "App_name_trgm_idx" ON "App" USING GIN ("name" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "Cluster_name_trgm_idx" ON "Cluster" USING GIN ("name" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "Node_name_trgm_idx" ON "Node" USING GIN ("name" gin_trgm_ops);

-- AddForeignKey
ALTER TABLE "Stack" ADD CONSTRAINT "Stack_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Stack" ADD CONSTRAINT "Stack_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Stack" ADD CONSTRAINT "Stack_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Stack" ADD CONSTRAINT "Stack_currentVersionId_fkey" FOREIGN KEY ("currentVersionId") REFERENCES "StackVersion"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StackVersion" ADD CONSTRAINT "StackVersion_stackId_fkey" FOREIGN KEY ("stackId") REFERENCES "Stack"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StackRun" ADD CONSTRAINT "StackRun_stackId_fkey" FOREIGN KEY ("stackId") REFERENCES "Stack"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StackRun" ADD CONSTRAINT "StackRun_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "StackVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StackRunLog" ADD CONSTRAINT "StackRunLog_runId_fkey" FOREIGN KEY ("runId") REFERENCES "StackRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;
