-- AlterTable
ALTER TABLE "ControlPlaneNode" ADD COLUMN     "pinnedAt" TIMESTAMPTZ(3);

-- Nodes already named by an assignment
UPDATE "ControlPlaneNode" SET "pinnedAt" = now()
  WHERE "role" = 'worker' AND "name" IN (SELECT "nodeName" FROM "ControlPlaneAssignment");
