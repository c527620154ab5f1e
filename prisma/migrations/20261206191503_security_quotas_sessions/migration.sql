-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN     "ip" TEXT,
ADD COLUMN     "userAgent" TEXT;

-- AlterTable
ALTER TABLE "User" ADD COLUMN     "instanceAdmin" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "OrganizationQuota" (
    "organizationId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "limit" INTEGER NOT NULL,
    "setById" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "OrganizationQuota_pkey" PRIMARY KEY ("organizationId","kind")
);

-- AddForeignKey
ALTER TABLE "OrganizationQuota" ADD CONSTRAINT "OrganizationQuota_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- An existing instance gets its first user as instance administrator, as a new one does
UPDATE "User" SET "instanceAdmin" = true
  WHERE "id" = (SELECT "id" FROM "User" ORDER BY "createdAt", "id" LIMIT 1);
