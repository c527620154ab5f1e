-- AlterTable
ALTER TABLE "Node" ADD COLUMN     "missedChecks" INTEGER NOT NULL DEFAULT 0;
