-- CreateEnum
CREATE TYPE "ControlPlaneRole" AS ENUM ('api', 'worker');

-- CreateEnum
CREATE TYPE "AssignmentMode" AS ENUM ('strict', 'preferred');

-- CreateEnum
CREATE TYPE "AssignableEntity" AS ENUM ('cluster', 'app');

-- AlterTable
ALTER TABLE "OutboxJob" ADD COLUMN     "movedFrom" TEXT;

-- AlterTable
ALTER TABLE "ProvisioningLog" ADD COLUMN     "workerNode" TEXT;

-- CreateTable
CREATE TABLE "ControlPlaneNode" (
    "name" TEXT NOT NULL,
    "role" "ControlPlaneRole" NOT NULL,
    "url" TEXT,
    "tags" TEXT[],
    "version" TEXT NOT NULL,
    "hostname" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "instanceId" TEXT NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL,
    "lastHeartbeatAt" TIMESTAMPTZ(3) NOT NULL,
    "heartbeatMs" INTEGER NOT NULL,
    "onlineUntil" TIMESTAMPTZ(3) NOT NULL,
    "stoppedAt" TIMESTAMPTZ(3),

    CONSTRAINT "ControlPlaneNode_pkey" PRIMARY KEY ("name","role")
);

-- CreateTable
CREATE TABLE "ControlPlaneAssignment" (
    "entityType" "AssignableEntity" NOT NULL,
    "entityId" TEXT NOT NULL,
    "clusterId" TEXT,
    "appId" TEXT,
    "nodeName" TEXT NOT NULL,
    "mode" "AssignmentMode" NOT NULL DEFAULT 'strict',
    "updatedById" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ControlPlaneAssignment_pkey" PRIMARY KEY ("entityType","entityId")
);

-- CreateIndex
CREATE UNIQUE INDEX "ControlPlaneAssignment_clusterId_key" ON "ControlPlaneAssignment"("clusterId");

-- CreateIndex
CREATE UNIQUE INDEX "ControlPlaneAssignment_appId_key" ON "ControlPlaneAssignment"("appId");

-- CreateIndex
CREATE INDEX "ControlPlaneAssignment_nodeName_idx" ON "ControlPlaneAssignment"("nodeName");

-- AddForeignKey
ALTER TABLE "ControlPlaneAssignment" ADD CONSTRAINT "ControlPlaneAssignment_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ControlPlaneAssignment" ADD CONSTRAINT "ControlPlaneAssignment_appId_fkey" FOREIGN KEY ("appId") REFERENCES "App"("id") ON DELETE CASCADE ON UPDATE CASCADE;
