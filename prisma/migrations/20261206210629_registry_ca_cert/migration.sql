-- AlterTable
ALTER TABLE "Registry" ADD COLUMN     "caCert" TEXT;
