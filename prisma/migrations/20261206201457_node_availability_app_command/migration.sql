-- CreateEnum
CREATE TYPE "NodeAvailability" AS ENUM ('active', 'pause', 'drain');

-- AlterTable
ALTER TABLE "App" ADD COLUMN     "command" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "Node" ADD COLUMN     "availability" "NodeAvailability" NOT NULL DEFAULT 'active',
ADD COLUMN     "availabilityApplied" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "availabilityGeneration" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "availabilityReadAt" TIMESTAMPTZ(3),
ADD COLUMN     "reportedAvailability" "NodeAvailability";
